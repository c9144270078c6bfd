#!/usr/bin/python3
"""An independent Bitcoin P2P peer written with python-bitcoinlib (Debian python3-bitcoinlib),
used as the other side of spv's interop tests. Every message it decodes is printed as one
JSON line prefixed with "EVENT " so the test can check our bytes decode in their code.

  bitcoinlib_peer.py server PORT NETWORK PROTOVER   -- accept one connection, answer version/ping
  bitcoinlib_peer.py client HOST PORT NETWORK PROTOVER -- handshake with spv serve, ping, getaddr
  bitcoinlib_peer.py txserver PORT NETWORK PROTOVER  -- accept one connection; getdata every tx inv
                                                       (MSG_WITNESS_TX for MSG_TX, as Core), decode the tx
  bitcoinlib_peer.py sendtx HOST PORT NETWORK HEX    -- handshake, send HEX as an unsolicited tx, ping
"""
import json
import random
import socket
import sys

import bitcoin
from bitcoin.messages import (MsgSerializable, msg_version, msg_verack, msg_ping, msg_pong,
                              msg_getaddr, msg_addr, msg_inv, msg_getdata, msg_tx)
from bitcoin.net import CAddress, CInv
from bitcoin.core import CTransaction, b2lx, x

NETWORKS = {'mainnet': 'mainnet', 'testnet3': 'testnet', 'regtest': 'regtest'}


def emit(kind, **fields):
    print('EVENT ' + json.dumps(dict(kind=kind, **fields)), flush=True)


def describe(msg):
    if msg is None:
        return {'command': None}
    d = {'command': msg.command.decode()}
    if isinstance(msg, msg_version):
        d.update(version=msg.nVersion, services=msg.nServices, user_agent=msg.strSubVer.decode(),
                 start_height=msg.nStartingHeight, relay=bool(msg.fRelay), nonce=str(msg.nNonce),
                 addr_recv_ip=msg.addrTo.ip, addr_recv_port=msg.addrTo.port, time=msg.nTime)
    elif isinstance(msg, (msg_ping, msg_pong)):
        d.update(nonce=str(msg.nonce))
    elif isinstance(msg, msg_addr):
        d.update(addrs=[{'ip': a.ip, 'port': a.port, 'services': a.nServices} for a in msg.addrs])
    elif isinstance(msg, (msg_inv, msg_getdata)):
        d.update(items=[{'type': i.type, 'hash': b2lx(i.hash)} for i in msg.inv])
    elif isinstance(msg, msg_tx):
        d.update(txid=b2lx(msg.tx.GetTxid()), has_witness=not msg.tx.wit.is_null(), hex=msg.tx.serialize().hex())
    return d


def read(f):
    msg = MsgSerializable.stream_deserialize(f, protover=70016)
    emit('recv', **describe(msg))
    return msg


def make_version(protover, peer_ip, peer_port):
    v = msg_version(protover)
    v.nVersion = protover
    v.nServices = 1 | 8
    v.strSubVer = b'/python-bitcoinlib-interop:0.11/'
    v.nStartingHeight = 1234
    v.fRelay = False
    v.addrTo.ip, v.addrTo.port = peer_ip, peer_port
    return v


def server(port, protover):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(1)
    emit('listening', port=srv.getsockname()[1])
    conn, addr = srv.accept()
    conn.settimeout(20)
    f = conn.makefile('rb')
    while True:
        try:
            msg = read(f)
        except Exception as e:  # peer went away or sent garbage
            emit('closed', error=str(e))
            return
        if isinstance(msg, msg_version):
            conn.sendall(make_version(protover, addr[0], addr[1]).to_bytes())
            conn.sendall(msg_verack().to_bytes())
        elif isinstance(msg, msg_ping):
            p = msg_pong()
            p.nonce = msg.nonce
            conn.sendall(p.to_bytes())
            emit('answered_ping', nonce=str(msg.nonce))
        elif isinstance(msg, msg_getaddr):
            a = msg_addr()
            c = CAddress()
            c.ip, c.port, c.nServices, c.nTime = '127.0.0.9', 18444, 9, 1700000000
            a.addrs.append(c)
            conn.sendall(a.to_bytes())


def client(host, port, protover):
    conn = socket.create_connection((host, port), timeout=20)
    f = conn.makefile('rb')
    conn.sendall(make_version(protover, host, port).to_bytes())
    got_version = got_verack = False
    while not (got_version and got_verack):
        msg = read(f)
        if isinstance(msg, msg_version):
            got_version = True
            conn.sendall(msg_verack().to_bytes())
        elif isinstance(msg, msg_verack):
            got_verack = True
    emit('handshake_done')
    ping = msg_ping(protover)
    ping.nonce = random.getrandbits(64) or 1
    conn.sendall(ping.to_bytes())
    conn.sendall(msg_getaddr().to_bytes())
    got_pong = got_addr = False
    while not (got_pong and got_addr):
        msg = read(f)
        if isinstance(msg, msg_pong):
            if msg.nonce != ping.nonce:
                emit('error', error='pong nonce mismatch')
                sys.exit(3)
            got_pong = True
        elif isinstance(msg, msg_addr):
            got_addr = True
    emit('done')
    conn.close()


def txserver(port, protover):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(1)
    emit('listening', port=srv.getsockname()[1])
    conn, addr = srv.accept()
    conn.settimeout(20)
    f = conn.makefile('rb')
    while True:
        try:
            msg = read(f)
        except Exception as e:
            emit('closed', error=str(e))
            return
        if isinstance(msg, msg_version):
            conn.sendall(make_version(protover, addr[0], addr[1]).to_bytes())
            conn.sendall(msg_verack().to_bytes())
        elif isinstance(msg, msg_ping):
            p = msg_pong()
            p.nonce = msg.nonce
            conn.sendall(p.to_bytes())
            emit('answered_ping', nonce=str(msg.nonce))
        elif isinstance(msg, msg_inv):
            g = msg_getdata()
            for i in msg.inv:
                if i.type in (1, 5):
                    c = CInv()
                    c.type = 0x40000001 if i.type == 1 else 5  # Core asks witness peers with the flag
                    c.hash = i.hash
                    g.inv.append(c)
            if g.inv:
                conn.sendall(g.to_bytes())


def sendtx(host, port, txhex):
    conn = socket.create_connection((host, port), timeout=20)
    f = conn.makefile('rb')
    conn.sendall(make_version(70015, host, port).to_bytes())
    got_version = got_verack = False
    while not (got_version and got_verack):
        msg = read(f)
        if isinstance(msg, msg_version):
            got_version = True
            conn.sendall(msg_verack().to_bytes())
        elif isinstance(msg, msg_verack):
            got_verack = True
    t = msg_tx()
    t.tx = CTransaction.deserialize(x(txhex))
    conn.sendall(t.to_bytes())
    emit('sent_tx', txid=b2lx(t.tx.GetTxid()))
    ping = msg_ping(70015)
    ping.nonce = 4242
    conn.sendall(ping.to_bytes())
    while True:
        msg = read(f)
        if isinstance(msg, msg_pong) and msg.nonce == 4242:
            break
    emit('done')
    conn.close()


def main():
    mode = sys.argv[1]
    if mode == 'server':
        port, network, protover = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        bitcoin.SelectParams(NETWORKS[network])
        server(port, protover)
    elif mode == 'client':
        host, port, network, protover = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        bitcoin.SelectParams(NETWORKS[network])
        client(host, port, protover)
    elif mode == 'txserver':
        port, network, protover = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        bitcoin.SelectParams(NETWORKS[network])
        txserver(port, protover)
    elif mode == 'sendtx':
        host, port, network, txhex = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
        bitcoin.SelectParams(NETWORKS[network])
        sendtx(host, port, txhex)
    else:
        sys.exit('usage: see docstring')


if __name__ == '__main__':
    main()
