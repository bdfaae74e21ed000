export { startSimulatedDevices, type SimulatedDeviceCounts, type SimulatedDevicesOptions } from './simulatedDevices';
