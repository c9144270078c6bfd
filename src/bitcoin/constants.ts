// Protocol versions, limits and timers of the Bitcoin mode, each with its source.

export const PROTOCOL_VERSION = 70016; // Core src/node/protocol_version.h
export const MIN_PEER_PROTO_VERSION = 31800; // Core: older peers are disconnected
export const SENDHEADERS_VERSION = 70012; // BIP130
export const FEEFILTER_VERSION = 70013; // BIP133
export const SHORT_IDS_BLOCKS_VERSION = 70014; // BIP152
export const WTXID_RELAY_VERSION = 70016; // BIP339 (also gates sendaddrv2, BIP155)

export const USER_AGENT = '/spv:0.1.0/'; // BIP14 style
export const MAX_SUBVERSION_LENGTH = 256; // Core net.h

/** Core PING_INTERVAL (net_processing.cpp) is 2 minutes. */
export const PING_INTERVAL_MS = 120_000;
/** Core TIMEOUT_INTERVAL is 20 minutes; a light client with few peers wants to notice a dead
 * one sooner, so we give a pong 60 s. */
export const PING_TIMEOUT_MS = 60_000;
/** Pings answered within this window of each other are "flooding" only if above this rate. */
export const MAX_ADDR_TO_SEND = 1000; // Core net_processing.cpp
