export { executionWorkflow } from './execution-workflow';
