// Errors of the connection layer: dialing and listening (not peer misbehaviour).
import { SpvError } from '../util/errors.js';

export class NetError extends SpvError {}
