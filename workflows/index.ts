export { executionWorkflow } from './execution-workflow';
export { shardForwarderWorkflow } from './forwarder-workflow';
