// Every `spv` command, in the order `spv --help` lists them.
import type { CommandModule } from 'yargs';
import { broadcastCommand } from './broadcast.js';
import { captureCommand } from './capture.js';
import { connectCommand } from './connect.js';
import { decodeCommand } from './decode.js';
import { demoCommand } from './demo.js';
import { handshakeCommand } from './handshake.js';
import { headersCommand } from './headers.js';
import { serveCommand } from './serve.js';
import { syncCommand } from './sync.js';
import { seedsCommand } from './seeds.js';
import { toyCommand } from './toy.js';
import { toyNetCommand } from './toy-net.js';
import { watchCommand } from './watch.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<any, any>[] = [demoCommand, handshakeCommand, connectCommand, syncCommand, watchCommand, broadcastCommand, serveCommand, headersCommand, seedsCommand, decodeCommand, captureCommand, toyCommand, toyNetCommand];
