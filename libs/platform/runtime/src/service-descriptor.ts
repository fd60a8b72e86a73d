/** What one service declares about itself; the runtime uses it for routing and for /api/v1/system. */
export interface ServiceDescriptor {
  readonly name: 'charger-gateway' | 'ocpi-connector' | 'tariff-engine' | 'cdr-reconciler' | 'gate-evaluator';
  /**
   * Stream categories this service appends to (`charger` for `charger-<id>`). In the cluster each
   * service's relay publishes only its own categories, so no event is relayed twice.
   */
  readonly ownedCategories: readonly string[];
}
