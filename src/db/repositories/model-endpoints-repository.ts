import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { translatePgError } from '../pg-errors.js';
import { LIVE_ENDPOINT_STATES, modelEndpoints, type ModelEndpointRecord } from '../schema/model-endpoints.js';

type Changes = Partial<typeof modelEndpoints.$inferInsert>;

const CONSTRAINTS = {
  model_endpoints_one_live: 'The model version already has a dedicated endpoint; stop it first.',
};

export const modelEndpointsRepository = (db: Executor) => ({
  /** The one-live-endpoint index makes a second live endpoint for a model version a conflict. */
  async insert(row: typeof modelEndpoints.$inferInsert, tx: Executor = db): Promise<ModelEndpointRecord> {
    try {
      const [created] = await tx.insert(modelEndpoints).values(row).returning();
      return created!;
    } catch (error) {
      throw translatePgError(error, CONSTRAINTS);
    }
  },

  async findById(id: string, tx: Executor = db): Promise<ModelEndpointRecord | undefined> {
    const [row] = await tx.select().from(modelEndpoints).where(eq(modelEndpoints.id, id)).limit(1);
    return row;
  },

  /** The model version's live endpoint, else its latest one (stopped or failed), for display. */
  async latestFor(modelVersionId: string, tx: Executor = db): Promise<ModelEndpointRecord | undefined> {
    const [live] = await tx
      .select()
      .from(modelEndpoints)
      .where(
        and(
          eq(modelEndpoints.modelVersionId, modelVersionId),
          inArray(modelEndpoints.state, [...LIVE_ENDPOINT_STATES]),
        ),
      )
      .limit(1);
    if (live) return live;
    const [latest] = await tx
      .select()
      .from(modelEndpoints)
      .where(eq(modelEndpoints.modelVersionId, modelVersionId))
      .orderBy(desc(modelEndpoints.createdAt), desc(modelEndpoints.id))
      .limit(1);
    return latest;
  },

  /** The latest endpoint of each model version given. */
  async latestForModels(modelVersionIds: string[], tx: Executor = db): Promise<Map<string, ModelEndpointRecord>> {
    if (modelVersionIds.length === 0) return new Map();
    const rows = await tx
      .select()
      .from(modelEndpoints)
      .where(inArray(modelEndpoints.modelVersionId, modelVersionIds))
      .orderBy(modelEndpoints.createdAt, modelEndpoints.id);
    const latest = new Map<string, ModelEndpointRecord>();
    const live = new Set<string>(LIVE_ENDPOINT_STATES);
    for (const row of rows) {
      const known = latest.get(row.modelVersionId);
      // A live endpoint wins over any later stopped one (there is at most one live).
      if (!known || !live.has(known.state)) latest.set(row.modelVersionId, row);
    }
    return latest;
  },

  /** Every endpoint that may still be billed, for the sweep that keeps them in step with the provider. */
  async listLive(tx: Executor = db): Promise<ModelEndpointRecord[]> {
    return tx
      .select()
      .from(modelEndpoints)
      .where(inArray(modelEndpoints.state, [...LIVE_ENDPOINT_STATES]))
      .orderBy(modelEndpoints.createdAt)
      .limit(1_000);
  },

  async update(id: string, changes: Changes, tx: Executor = db): Promise<ModelEndpointRecord | undefined> {
    const [row] = await tx.update(modelEndpoints).set(changes).where(eq(modelEndpoints.id, id)).returning();
    return row;
  },
});

export type ModelEndpointsRepository = ReturnType<typeof modelEndpointsRepository>;
