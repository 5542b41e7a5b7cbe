import { objectKey, type Gvk, type KubeObject, type ObjectRef } from '../kube/objects.js';

/** Where one stored object is kept: its namespace's map, under its name. */
interface Place {
  readonly names: Map<string, KubeObject>;
  readonly name: string;
}

/** The objects of one kind. */
interface KindObjects {
  /** Where each is, by `namespace/name`, in the order they were created: the order `remove` walks them in. */
  readonly byKey: Map<string, Place>;
  /** By namespace then name, for lookups that build no key string (the simulator's hottest call). */
  readonly byName: Map<string, Map<string, KubeObject>>;
  /** Keys sorted as `list` returns them; dropped when an object of the kind is added or removed. */
  sortedKeys: string[] | undefined;
}

/**
 * The stored objects of the in-memory cluster, by kind and name. Lookups by reference allocate
 * nothing; replacing an object (most writes: a status, weights) finds its slot by namespace and
 * name and builds no key string; `list` keeps its sorted order between calls until an object of
 * the kind comes or goes (a list per tick sorted 1,000 Canaries every time).
 */
export class ObjectStore {
  /** By apiVersion then kind. */
  private readonly kinds = new Map<string, Map<string, KindObjects>>();
  /** Every kind, in the order its first object was stored. */
  private readonly order: KindObjects[] = [];

  get(ref: ObjectRef): KubeObject | undefined {
    return this.kinds
      .get(ref.apiVersion)
      ?.get(ref.kind)
      ?.byName.get(ref.namespace ?? '')
      ?.get(ref.name);
  }

  /** Every object of a kind (of one namespace, when given), sorted by `namespace/name`. */
  list(gvk: Gvk, namespace?: string): KubeObject[] {
    const kind = this.kinds.get(gvk.apiVersion)?.get(gvk.kind);
    if (!kind) return [];
    kind.sortedKeys ??= [...kind.byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: KubeObject[] = [];
    for (const key of kind.sortedKeys) {
      const place = kind.byKey.get(key)!;
      const obj = place.names.get(place.name)!;
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
    }
    return out;
  }

  /** Stores `obj`, replacing the object of the same kind, namespace and name. */
  set(obj: KubeObject): void {
    const kind = this.kindOf(obj);
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    let names = kind.byName.get(namespace);
    if (!names) kind.byName.set(namespace, (names = new Map<string, KubeObject>()));
    const known = names.has(name);
    names.set(name, obj);
    if (known) return;
    kind.byKey.set(objectKey(obj.metadata.namespace, name), { names, name });
    kind.sortedKeys = undefined;
  }

  delete(obj: KubeObject): void {
    const kind = this.kinds.get(obj.apiVersion)?.get(obj.kind);
    if (!kind) return;
    const name = obj.metadata.name ?? '';
    if (kind.byKey.delete(objectKey(obj.metadata.namespace, name))) kind.sortedKeys = undefined;
    kind.byName.get(obj.metadata.namespace ?? '')?.delete(name);
  }

  /** Every stored object, kind by kind in the order the kinds appeared, each kind in creation order. */
  *all(): Generator<KubeObject> {
    for (const kind of this.order) yield* [...kind.byKey.values()].map((place) => place.names.get(place.name)!);
  }

  private kindOf(gvk: Gvk): KindObjects {
    let kinds = this.kinds.get(gvk.apiVersion);
    if (!kinds) this.kinds.set(gvk.apiVersion, (kinds = new Map<string, KindObjects>()));
    let kind = kinds.get(gvk.kind);
    if (!kind) {
      kind = { byKey: new Map(), byName: new Map(), sortedKeys: undefined };
      kinds.set(gvk.kind, kind);
      this.order.push(kind);
    }
    return kind;
  }
}
