// Opening the header store for a client, with what recovery did said in the log.
import type { NetworkParams } from '../params/networks.js';
import type { Log } from '../util/log.js';
import { defaultDatadir } from '../chain/datadir.js';
import { HeaderStore } from '../chain/header-store.js';

export function openStore(params: NetworkParams, datadir: string | undefined, log: Log): HeaderStore {
  const dir = datadir ?? defaultDatadir(params);
  const store = HeaderStore.open({ datadir: dir, params, log });
  const r = store.recovery;
  if (r.tornBytes > 0) log.warn(`recovered ${dir}: cut a torn last header (${r.tornBytes} bytes) left by an interrupted write`);
  if (r.invalidFrom !== undefined) log.warn(`recovered ${dir}: stored headers from height ${r.invalidFrom} failed validation (${r.invalidReason}); cut back`);
  log.info(`header store ${dir}: height ${store.chain.height}, tip ${store.chain.tip.hashHex}`);
  return store;
}
