// The public entry point of @sigma/cli for other packages (the benchmark scripts): the all-in-one stack.
export { busyPorts, type BusyPort, PortsInUseError, type Stack, type StackOptions, stackPorts, startStack } from "./stack.js";
