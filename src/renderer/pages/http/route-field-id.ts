// Test ids of the route editor's fields: `http-route-<name>-<route>` for a route's own fields and
// `http-route-<name>-<route>-<item>` for a field of one item in a route's list.
export function routeFieldId(index: number, name: string, j?: number): string {
  return j === undefined ? `http-route-${name}-${index}` : `http-route-${name}-${index}-${j}`;
}
