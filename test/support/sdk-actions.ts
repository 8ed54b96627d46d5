// Which AWS actions a process can call, read from its code: a call graph from an entry function, through the
// project's functions, methods and classes, to every `new XxxCommand(...)` of an AWS SDK v3 client (and the SDK's
// waiters). A call through an interface reaches every class that implements it. The graph over-approximates (a
// reachable function counts whole, whatever branch calls the SDK), so what it finds is what the role must allow.
import path from 'node:path';
import ts from 'typescript';

/** IAM service prefixes of the SDK client packages the project uses. */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-kinesis': 'kinesis',
};

/** The SDK waiters the project uses, by the operation they poll. */
const WAITER_OPERATION: Readonly<Record<string, string>> = { waitUntilTableExists: 'DescribeTable' };

/** IAM authorises a DynamoDB transaction by the item actions inside it, not by the transaction's own name. */
const TRANSACTION_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

type Callable = ts.Node;

/** The IAM actions a command needs: its own, or for a transaction those of the items written in it. */
function iamActionsOf(action: string, command: ts.NewExpression): string[] {
  if (action !== 'dynamodb:TransactWriteItems' && action !== 'dynamodb:TransactGetItems') return [action];
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && TRANSACTION_ITEM_ACTIONS[node.name.text]) {
      found.add(TRANSACTION_ITEM_ACTIONS[node.name.text] as string);
    }
    ts.forEachChild(node, visit);
  };
  for (const argument of command.arguments ?? []) visit(argument);
  if (found.size === 0) {
    throw new Error(`${action} at ${command.getSourceFile().fileName}: its items are not written in place, so unseen`);
  }
  return [...found];
}

/** An entry function: the file that declares it and its exported name. */
export interface EntryPoint {
  readonly file: string;
  readonly name: string;
}

/** The IAM actions (`service:Operation`, sorted) each entry point can call, from one TypeScript program. */
export function deriveSdkActions(
  root: string,
  entries: Readonly<Record<string, EntryPoint>>,
): Record<string, string[]> {
  const files = Object.values(entries).map((entry) => path.join(root, entry.file));
  const configPath = path.join(root, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(configPath, (file) => ts.sys.readFile(file)).config,
    ts.sys,
    root,
  );
  const program = ts.createProgram(files, parsed.options);
  const graph = new CallGraph(program, root);
  const result: Record<string, string[]> = {};
  for (const [process, entry] of Object.entries(entries)) {
    const source = program.getSourceFile(path.join(root, entry.file));
    if (source === undefined) throw new Error(`${entry.file} is not in the program`);
    const declaration = graph.exported(source, entry.name);
    result[process] = [...graph.actionsFrom(declaration)].sort();
  }
  return result;
}

class CallGraph {
  private readonly checker: ts.TypeChecker;
  private readonly implementations = new Map<ts.Symbol, ts.ClassLikeDeclaration[]>();
  private readonly classes: ts.ClassLikeDeclaration[] = [];

  constructor(
    private readonly program: ts.Program,
    private readonly root: string,
  ) {
    this.checker = program.getTypeChecker();
    for (const file of program.getSourceFiles()) {
      if (!this.isProjectFile(file)) continue;
      const visit = (node: ts.Node): void => {
        if (ts.isClassLike(node)) this.indexClass(node);
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
  }

  exported(source: ts.SourceFile, name: string): ts.Declaration {
    const moduleSymbol = this.checker.getSymbolAtLocation(source);
    const symbol = moduleSymbol && this.checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
    const declaration = symbol?.declarations?.[0];
    if (declaration === undefined) throw new Error(`${source.fileName} exports no ${name}`);
    return declaration;
  }

  /** Every SDK action reachable from `start`. */
  actionsFrom(start: Callable): Set<string> {
    const actions = new Set<string>();
    const seen = new Set<Callable>();
    const parent = new Map<Callable, Callable>();
    const queue: Callable[] = [start];
    while (queue.length > 0) {
      const node = queue.pop() as Callable;
      if (seen.has(node)) continue;
      seen.add(node);
      const visit = (child: ts.Node): void => {
        // Types run nothing: an annotation naming an interface is no call of its members.
        if (ts.isTypeNode(child) || ts.isInterfaceDeclaration(child) || ts.isTypeAliasDeclaration(child)) return;
        if (ts.isHeritageClause(child) && child.token === ts.SyntaxKind.ImplementsKeyword) return;
        if (ts.isNewExpression(child)) {
          const action = this.sdkAction(child.expression, 'Command');
          for (const granted of action === undefined ? [] : iamActionsOf(action, child)) actions.add(granted);
          if (action !== undefined && process.env.TRACE_ACTION === action) {
            const chain: string[] = [];
            for (let at: Callable | undefined = node; at; at = parent.get(at)) chain.push(describe(at));
            console.log(action, chain.join(' <- '));
          }
        }
        if (ts.isCallExpression(child)) {
          const action = this.sdkAction(child.expression, 'waiter');
          if (action !== undefined) actions.add(action);
        }
        if (ts.isIdentifier(child) || ts.isPrivateIdentifier(child)) {
          for (const target of this.targetsOf(child)) {
            if (seen.has(target)) continue;
            if (!parent.has(target)) parent.set(target, node);
            queue.push(target);
          }
        }
        ts.forEachChild(child, visit);
      };
      visit(node);
    }
    return actions;
  }

  /** `service:Operation` when `expression` names an SDK command class (or waiter) of a known client package. */
  private sdkAction(expression: ts.Expression, kind: 'Command' | 'waiter'): string | undefined {
    const symbol = this.resolve(expression);
    const declaration = symbol?.declarations?.[0];
    if (symbol === undefined || declaration === undefined) return undefined;
    const file = declaration.getSourceFile().fileName;
    const pkg = Object.keys(SERVICE_PREFIX).find((name) => file.includes(`/node_modules/${name}/`));
    if (pkg === undefined) return undefined;
    const operation =
      kind === 'Command' ? /^(\w+)Command$/.exec(symbol.name)?.[1] : (WAITER_OPERATION[symbol.name] ?? undefined);
    if (kind === 'waiter' && operation === undefined && symbol.name.startsWith('waitUntil')) {
      throw new Error(`the SDK waiter ${symbol.name} is not mapped to the operation it polls`);
    }
    return operation === undefined ? undefined : `${SERVICE_PREFIX[pkg]}:${operation}`;
  }

  /** The project declarations an identifier refers to: the code that runs when it is used. */
  private targetsOf(identifier: ts.Identifier | ts.PrivateIdentifier): Callable[] {
    const symbol = this.resolve(identifier);
    if (symbol === undefined) return [];
    const targets: Callable[] = [];
    for (const declaration of symbol.declarations ?? []) {
      if (!this.isProjectFile(declaration.getSourceFile())) continue;
      if (ts.isMethodSignature(declaration) || ts.isPropertySignature(declaration)) {
        // A call through an interface runs what its implementations hold under that name.
        targets.push(...this.implementationsOf(declaration));
      } else if (ts.isClassLike(declaration)) {
        // `new C(...)`: its constructor and field initialisers (methods are reached where they are called).
        for (const member of declaration.members) {
          if (ts.isConstructorDeclaration(member) || (ts.isPropertyDeclaration(member) && member.initializer)) {
            targets.push(member);
          }
        }
      } else if (
        !ts.isParameter(declaration) &&
        !ts.isTypeAliasDeclaration(declaration) &&
        !ts.isInterfaceDeclaration(declaration) &&
        !ts.isTypeParameterDeclaration(declaration)
      ) {
        targets.push(declaration);
      }
    }
    return targets;
  }

  private implementationsOf(member: ts.MethodSignature | ts.PropertySignature): Callable[] {
    const owner = member.parent;
    const name = member.name.getText();
    const ownerSymbol = ts.isInterfaceDeclaration(owner) ? this.checker.getSymbolAtLocation(owner.name) : undefined;
    const declared = ownerSymbol && this.implementations.get(ownerSymbol);
    // A type that no class names in `implements` is met structurally: the classes whose instances fit it.
    const ownerType = this.checker.getTypeAtLocation(owner);
    const classes =
      declared && declared.length > 0
        ? declared
        : this.classes.filter((cls) => {
            const instance = cls.name && this.checker.getTypeAtLocation(cls.name);
            return instance !== undefined && this.checker.isTypeAssignableTo(instance, ownerType);
          });
    const found: Callable[] = [];
    for (const cls of classes) {
      for (const candidate of cls.members) {
        if (candidate.name !== undefined && candidate.name.getText() === name) found.push(candidate);
      }
    }
    return found;
  }

  private indexClass(node: ts.ClassLikeDeclaration): void {
    this.classes.push(node);
    for (const clause of node.heritageClauses ?? []) {
      if (clause.token !== ts.SyntaxKind.ImplementsKeyword) continue;
      for (const type of clause.types) {
        for (const symbol of this.interfaceLineage(this.resolve(type.expression))) {
          const list = this.implementations.get(symbol) ?? [];
          list.push(node);
          this.implementations.set(symbol, list);
        }
      }
    }
  }

  /** The interface and every interface it extends. */
  private interfaceLineage(symbol: ts.Symbol | undefined): ts.Symbol[] {
    if (symbol === undefined) return [];
    const lineage = [symbol];
    for (const declaration of symbol.declarations ?? []) {
      if (!ts.isInterfaceDeclaration(declaration)) continue;
      for (const clause of declaration.heritageClauses ?? []) {
        for (const type of clause.types) lineage.push(...this.interfaceLineage(this.resolve(type.expression)));
      }
    }
    return lineage;
  }

  private resolve(node: ts.Node): ts.Symbol | undefined {
    const symbol = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node) ? node.name : node);
    if (symbol === undefined) return undefined;
    return symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
  }

  private isProjectFile(file: ts.SourceFile): boolean {
    return file.fileName.startsWith(this.root) && !file.fileName.includes('/node_modules/') && !file.isDeclarationFile;
  }
}

function describe(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  const owner = ts.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.text}.` : '';
  return `${owner}${named.name?.getText() ?? ts.SyntaxKind[node.kind]}(${path.basename(node.getSourceFile().fileName)})`;
}
