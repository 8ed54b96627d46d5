// The constructs a CDK app imports to deploy logstream: `import { LogstreamData, LogstreamService } from '.../infra'`.
export { LogstreamData, type LogstreamDataProps } from './logstream-data';
export {
  LogstreamService,
  API_CONTAINER_PORT,
  type LogstreamServiceProps,
  type TemporalSettings,
} from './logstream-service';
export { processStatements, type LogstreamProcess } from './process-policies';
export { LogstreamDataStack, LogstreamServiceStack, type LogstreamServiceStackProps } from './stacks';
