import { CfnOutput, DefaultStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { LogstreamData, type LogstreamDataProps } from './logstream-data';
import { LogstreamService, type LogstreamServiceProps } from './logstream-service';

/** The data resources in a stack of their own (they outlive service deployments), with their names as outputs. */
export class LogstreamDataStack extends Stack {
  readonly data: LogstreamData;

  constructor(scope: Construct, id: string, props: StackProps & { readonly data?: LogstreamDataProps } = {}) {
    // No assets, so no bootstrap version check: the template deploys as it is (also into the local emulator).
    super(scope, id, { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }), ...props });
    this.data = new LogstreamData(this, 'Data', props.data);
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'LogGroupName', { value: this.data.logGroup.logGroupName });
    new CfnOutput(this, 'StreamName', { value: this.data.stream.streamName });
    new CfnOutput(this, 'StreamArn', { value: this.data.stream.streamArn });
    new CfnOutput(this, 'SubscriptionRoleArn', { value: this.data.subscriptionRole.roleArn });
  }
}

/** Temporal's address and namespace, and the name of a secret holding its API key (none without one). */
export interface TemporalStackSettings {
  readonly address: string;
  readonly namespace: string;
  readonly apiKeySecretName?: string;
}

/** Settings of the service stack: the image, Temporal, and the secret names. */
export interface LogstreamServiceStackProps extends StackProps {
  readonly data: LogstreamData;
  readonly image: ecs.ContainerImage;
  /** Temporal's settings, made in the stack (e.g. as CloudFormation parameters). */
  readonly temporalParameters: (stack: Stack) => TemporalStackSettings;
  readonly service?: Omit<LogstreamServiceProps, 'data' | 'image' | 'temporal'>;
}

/** The worker and API services, on the data of a `LogstreamDataStack`. */
export class LogstreamServiceStack extends Stack {
  readonly service: LogstreamService;

  constructor(scope: Construct, id: string, props: LogstreamServiceStackProps) {
    super(scope, id, props);
    const { apiKeySecretName, ...temporal } = props.temporalParameters(this);
    this.service = new LogstreamService(this, 'Service', {
      ...props.service,
      data: props.data,
      image: props.image,
      temporal: {
        ...temporal,
        apiKey:
          apiKeySecretName === undefined
            ? undefined
            : secretsmanager.Secret.fromSecretNameV2(this, 'TemporalApiKey', apiKeySecretName),
      },
    });
    new CfnOutput(this, 'ApiUrl', { value: `http://${this.service.loadBalancer.loadBalancerDnsName}` });
    new CfnOutput(this, 'ApiKeysSecretArn', { value: this.service.apiKeys.secretArn });
  }
}
