import { z } from 'zod';

export const MemberParams = z.object({ member_id: z.string().max(64) }).strict();
export const ItemParams = z.object({ sku: z.string().min(1).max(100).describe('The item’s SKU, as order lines name it') }).strict();

export const RecommendationsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(50).default(10),
    include_purchased: z
      .enum(['true', 'false'])
      .default('false')
      .describe('true: items the member bought before their last order may be recommended again; never those of the last order'),
  })
  .strict();
export type RecommendationsQuery = z.output<typeof RecommendationsQuery>;

export const OffersQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(5) }).strict();

export const RefreshInput = z
  .object({
    min_support: z.number().int().min(1).max(1_000_000).optional().describe('Baskets two items must share to be neighbours; default: as last time, first 3'),
    top_k: z.number().int().min(1).max(200).optional().describe('Neighbours kept per item; default: as last time, first 20'),
    max_basket: z.number().int().min(2).max(1000).optional().describe('Orders with more distinct items are left out of the pair counting; default: as last time, first 100'),
    popular_days: z.number().int().min(1).max(3650).optional().describe('Days of data (back from the last order) the popularity fallback counts; default 90'),
  })
  .strict();
export type RefreshInput = z.infer<typeof RefreshInput>;

export const RecommendationModel = z.object({
  refreshed_at: z.string(),
  data_until: z.string().nullable().describe('The last order the model saw'),
  baskets: z.number().int().describe('Orders counted as baskets'),
  skipped_baskets: z.number().int().describe('Orders over max_basket distinct items, left out'),
  items: z.number().int(),
  pairs: z.number().int().describe('Neighbour rows kept (each pair in both directions)'),
  min_support: z.number().int(),
  top_k: z.number().int(),
  max_basket: z.number().int(),
  popular_days: z.number().int(),
  popular_orders: z.number().int(),
  duration_ms: z.number().int(),
});
export type RecommendationModel = z.infer<typeof RecommendationModel>;

export const ModelStatus = z.object({ model: RecommendationModel.nullable().describe('null: never refreshed') });

export const Recommendation = z.object({
  sku: z.string(),
  name: z.string().nullable().describe('The name the order lines carried, if any'),
  score: z
    .number()
    .describe('similar: the sum over the member’s items of their weight × cosine similarity; popular: the item’s share of recent orders'),
  reason: z.enum(['similar', 'popular']),
  because: z.array(z.string()).describe('The member’s skus that contributed most (empty for popular)'),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const Recommendations = z.object({
  member_id: z.string(),
  refreshed_at: z.string().nullable().describe('When the model was made; null: never (no recommendations yet)'),
  data: z.array(Recommendation),
});
export type Recommendations = z.infer<typeof Recommendations>;

export const Neighbour = z.object({ sku: z.string(), name: z.string().nullable(), score: z.number(), support: z.number().int() });
export const ItemNeighbours = z.object({
  sku: z.string(),
  name: z.string().nullable(),
  baskets: z.number().int(),
  recent_orders: z.number().int(),
  neighbours: z.array(Neighbour),
});

export const Offer = z.object({
  reward_id: z.string(),
  name: z.string(),
  kind: z.string(),
  points_cost: z.number().int(),
  points_currency: z.string(),
  points_needed: z.number().int().describe('Points the member still lacks; 0 when affordable'),
  affordable: z.boolean(),
  score: z.number().describe('Predicted take-up: the smoothed share of members in the member’s RFM segment (or all) who took it'),
  reason: z.enum(['segment', 'popular']).describe('segment: members of the same RFM segment took it; popular: the program-wide rate'),
  segment: z.string().nullable(),
});
export type Offer = z.infer<typeof Offer>;

export const Offers = z.object({
  member_id: z.string(),
  balances: z.record(z.string(), z.number().int()).describe('Available points per currency the offers cost'),
  data: z.array(Offer),
});
export type Offers = z.infer<typeof Offers>;
