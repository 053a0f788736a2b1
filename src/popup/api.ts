// The popup's and options page's handle on the worker: typed requests over runtime.sendMessage.
import { send, type Api, type RequestType, type Transport } from '../shared/messages.ts';

export interface PageApi {
  call<K extends RequestType>(type: K, fields: Api[K][0]): Promise<Api[K][1]>;
}

export function pageApi(transport: Transport): PageApi {
  return { call: (type, fields) => send(transport, type, fields) };
}
