import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const VALUE_TYPES: Readonly<Record<string, temporal.api.enums.v1.IndexedValueType>> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * Registers the custom search attributes the workflow upserts, when missing. A dev server started
 * on an existing database keeps the attributes it had then, so start-up flags alone are not enough.
 */
export async function ensureSearchAttributes(
  address: string,
  namespace: string,
  attributes: Readonly<Record<string, string>>,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const [name, type] of Object.entries(attributes)) {
      const valueType = VALUE_TYPES[type];
      if (valueType === undefined) throw new TypeError(`unsupported search attribute type ${type}`);
      if (!(name in (existing.customAttributes ?? {}))) missing[name] = valueType;
    }
    if (Object.keys(missing).length > 0) {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    }
  } finally {
    await connection.close();
  }
}
