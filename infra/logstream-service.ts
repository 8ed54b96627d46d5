import { type CfnResource, Duration } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { LogstreamData } from './logstream-data';
import { processStatements, type LogstreamProcess } from './process-policies';

/** The port the API listens on in its container. */
export const API_CONTAINER_PORT = 8080;

/** How to reach Temporal (read by the processes through `@temporalio/envconfig`). */
export interface TemporalSettings {
  /** `TEMPORAL_ADDRESS`, e.g. `<ns>.<account>.tmprl.cloud:7233` or `<region>.<cloud>.api.temporal.io:7233`. */
  readonly address: string;
  /** `TEMPORAL_NAMESPACE`. */
  readonly namespace: string;
  /** A secret holding `TEMPORAL_API_KEY` (Temporal Cloud; it turns TLS on). Unset: no API key. */
  readonly apiKey?: secretsmanager.ISecret;
}

/** Settings of the worker and API services. */
export interface LogstreamServiceProps {
  readonly data: LogstreamData;
  /** The project's image (its Dockerfile). */
  readonly image: ecs.ContainerImage;
  readonly temporal: TemporalSettings;
  /** Default: a new VPC over two availability zones with one NAT gateway. */
  readonly vpc?: ec2.IVpc;
  /** A secret holding `LOGSTREAM_API_KEYS` (comma-separated). Default: a generated one (read it to call the API). */
  readonly apiKeys?: secretsmanager.ISecret;
  /** A secret holding `LOGSTREAM_TICKET_SECRET`, shared by every API task. Default: a generated one. */
  readonly ticketSecret?: secretsmanager.ISecret;
  /** A certificate for HTTPS on 443; without one the load balancer listens on HTTP 80. */
  readonly certificate?: acm.ICertificate;
  /** Default: 2 API tasks and 2 workers. */
  readonly apiCount?: number;
  readonly workerCount?: number;
  /** The WebSocket ping interval (`LOGSTREAM_WS_HEARTBEAT_MS`); the load balancer's idle timeout is twice it. */
  readonly wsHeartbeat?: Duration;
}

/**
 * The logstream worker and API as ECS Fargate services from the project's image: the API behind an Application
 * Load Balancer (WebSocket upgrades pass through; idle timeout above the ping interval; health checks on /readyz;
 * no session affinity, tickets signed with the shared secret), each process with a least-privilege task role.
 */
export class LogstreamService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly api: ecs.FargateService;
  readonly worker: ecs.FargateService;
  readonly apiKeys: secretsmanager.ISecret;
  readonly ticketSecret: secretsmanager.ISecret;
  /** The task role of each process. */
  readonly roles: Readonly<Record<LogstreamProcess, iam.Role>>;

  constructor(scope: Construct, id: string, props: LogstreamServiceProps) {
    super(scope, id);
    const heartbeat = props.wsHeartbeat ?? Duration.seconds(30);
    const idleTimeout = Duration.seconds(heartbeat.toSeconds() * 2);
    if (idleTimeout.toSeconds() > 4000) {
      throw new RangeError(`LogstreamService: wsHeartbeat ${heartbeat.toSeconds()} s leaves no valid ALB idle timeout`);
    }
    const vpc = props.vpc ?? new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.apiKeys =
      props.apiKeys ??
      new secretsmanager.Secret(this, 'ApiKeys', {
        description: 'LOGSTREAM_API_KEYS: comma-separated keys of the logstream API',
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      });
    this.ticketSecret =
      props.ticketSecret ??
      new secretsmanager.Secret(this, 'TicketSecret', {
        description: 'LOGSTREAM_TICKET_SECRET: signs the WebSocket tickets, shared by every API task',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      // A tail may be quiet for a while: the ping keeps it open as long as the timeout exceeds the ping interval.
      idleTimeout,
      dropInvalidHeaderFields: true,
    });
    const scheme = props.certificate ? 'https' : 'http';
    const common = {
      ...props.data.processEnvironment(),
      LOGSTREAM_AWS: 'real',
      // The stack owns the table, group, stream and filter; the task roles do not allow creating them.
      LOGSTREAM_PROVISION: '0',
      LOGSTREAM_INGEST: 'push',
      TEMPORAL_ADDRESS: props.temporal.address,
      TEMPORAL_NAMESPACE: props.temporal.namespace,
      LOG_LEVEL: 'info',
    };
    const temporalSecrets: Record<string, ecs.Secret> = props.temporal.apiKey
      ? { TEMPORAL_API_KEY: ecs.Secret.fromSecretsManager(props.temporal.apiKey) }
      : {};

    const roles = {
      worker: this.taskRole('WorkerTaskRole', 'worker', props.data),
      api: this.taskRole('ApiTaskRole', 'api', props.data),
    };
    this.roles = roles;

    const url = `${scheme}://${this.loadBalancer.loadBalancerDnsName}`;
    this.worker = this.fargateService('Worker', roles.worker, props.workerCount ?? 2, {
      image: props.image,
      command: ['node', 'dist/src/main/worker.js'],
      environment: { ...common, LOGSTREAM_URL: url },
      secrets: temporalSecrets,
    });
    this.api = this.fargateService('Api', roles.api, props.apiCount ?? 2, {
      image: props.image,
      command: ['node', 'dist/src/main/server.js'],
      environment: {
        ...common,
        LOGSTREAM_HOST: '0.0.0.0',
        LOGSTREAM_PORT: String(API_CONTAINER_PORT),
        LOGSTREAM_URL: url,
        LOGSTREAM_WS_HEARTBEAT_MS: String(heartbeat.toMilliseconds()),
      },
      secrets: {
        ...temporalSecrets,
        LOGSTREAM_API_KEYS: ecs.Secret.fromSecretsManager(this.apiKeys),
        LOGSTREAM_TICKET_SECRET: ecs.Secret.fromSecretsManager(this.ticketSecret),
      },
      portMappings: [{ containerPort: API_CONTAINER_PORT }],
    });

    const listener = props.certificate
      ? this.loadBalancer.addListener('Https', { port: 443, certificates: [props.certificate] })
      : this.loadBalancer.addListener('Http', { port: 80 });
    // CDK makes the service depend on the listener's rule, which its target group's Ref already orders (cfn-lint W3005).
    (this.api.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
    listener.addTargets('Api', {
      port: API_CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.api],
      // Sockets close with 1001 on a stop and clients resume on another task: no need to hold a draining one long.
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: '/readyz', healthyHttpCodes: '200', interval: Duration.seconds(15) },
    });
  }

  /** One process as a Fargate service: its task (with its role) and one container logging to CloudWatch. */
  private fargateService(
    id: 'Worker' | 'Api',
    taskRole: iam.Role,
    desiredCount: number,
    container: Omit<ecs.ContainerDefinitionOptions, 'logging'>,
  ): ecs.FargateService {
    const task = new ecs.FargateTaskDefinition(this, `${id}Task`, { cpu: 1024, memoryLimitMiB: 2048, taskRole });
    task.addContainer(id.toLowerCase(), {
      ...container,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: id.toLowerCase(), logRetention: logs.RetentionDays.ONE_MONTH }),
    });
    return new ecs.FargateService(this, id, {
      cluster: this.cluster,
      taskDefinition: task,
      desiredCount,
      circuitBreaker: { rollback: true },
    });
  }

  private taskRole(id: string, process: LogstreamProcess, data: LogstreamData): iam.Role {
    const role = new iam.Role(this, id, {
      description: `logstream ${process}: exactly the AWS calls its code makes`,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    for (const statement of processStatements(process, data)) role.addToPolicy(statement);
    return role;
  }
}
