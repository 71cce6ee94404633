"""Bit-packed ±1 patterns: layout, packing, block-wise generation and kernels (private to the family).

Layout: a pattern row ``x^mu`` with entries in ``{-1, +1}`` packs into ``nw = n_words(N)``
``uint64`` words (``nw`` a multiple of ``CHUNK_WORDS``), bit ``i % 64`` of word ``i // 64`` set
iff ``x_i^mu = +1``, the padding bits beyond ``N`` 0. Viewed as bytes (little endian) this is
``numpy.packbits(X > 0, axis=1, bitorder="little")`` padded to whole words: byte ``g`` holds
inputs ``8g .. 8g+7`` (bit ``j`` is input ``8g + j``). The matrix is stored *chunk-major*,
``P[c, mu, k] = word (c CHUNK_WORDS + k) of row mu``, shape ``(nw / CHUNK_WORDS, M, CHUNK_WORDS)``:
the kernels sweep all rows of one chunk of 256 inputs at a time, and in this layout that sweep
reads memory sequentially. (With row-major words the same sweep jumps N/8 bytes from row to
row: at N = 100001 every access was a cache and TLB miss, 7.5 s per GD epoch instead of
0.49 s; at N = 10001 5.8 ms instead of 8.8 ms.) 1 bit per entry: 8x less memory than int8.

Reproducing the dense generator. :func:`simulate.perceptron.instances.generate_instance`
draws ``rng.integers(0, 2, size=(M, N), dtype=int8)``; numpy fills an int8 array of
range 2 from a buffer of 32-bit draws, four outputs per ``next_uint32`` (low byte first),
each output being the top bit of its byte (Lemire's method with range 2 never rejects).
So the raw words ``rng.integers(0, 2**32, dtype=uint32)`` (one ``next_uint32`` each)
carry the same bits: entry ``e = mu N + i`` is bit 7 of byte ``e`` of the word stream.
Drawing ``R N / 4`` words per block of ``R`` rows (``R N`` a multiple of 4) and the
remainder last consumes the generator exactly as the dense call does, so the teacher
drawn afterwards is the same too. ``tests/test_perceptron_packed.py`` checks the
identity against the dense generator.

Kernels (numba, single-threaded), measured fastest on the development machine among
byte-table lookup, nibble tables, a ±1 look-up-and-FMA expansion and per-bit loops
(``benchmarks/bench_perceptron_gd.py``):

* forward ``h^mu = sum_i m_i x_i^mu``: for each byte of inputs the 256 signed partial sums
  ``T_g[v] = sum_j m_{8g+j} (2 v_j - 1)`` (built for a chunk of ``CHUNK_WORDS`` words,
  64 KB, so that the table stays in L1/L2 while every row streams the chunk); one
  lookup per 8 inputs;
* BC fields ``sum_i sign(m_i) x_i^mu = N - 2 popcount(x^mu XOR w)`` (hardware popcount);
* row-major words (:func:`row_major_words`, ``R[mu, w]``, one contiguous row per pattern) for
  the on-line rules of :mod:`simulate.perceptron.rules`, which visit one pattern at a time in a
  random order (chunk-major rows are 32-byte pieces M * 32 bytes apart: the packed CP epoch is
  1.3x slower on them at N = 10001);
* backward ``g_i = sum_mu c_mu x_i^mu``: per chunk, histograms ``H_g[v] += c_mu`` of the
  byte values, then ``g_{8g+j} = sum_v H_g[v] (2 v_j - 1)`` (256 x 8 products per byte
  group, vectorised).
"""
from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = ["WORD_BITS", "CHUNK_WORDS", "n_words", "pack_rows", "pack_signs", "unpack_rows", "pack_matrix",
           "popcount64", "packed_binary_fields", "packed_forward", "packed_backward", "draw_packed_patterns",
           "SIGN_TABLE", "row_major_words"]

WORD_BITS = 64
#: words per cache block of the kernels (4 words = 256 inputs: a 64 KB table of partial sums)
CHUNK_WORDS = 4


def n_words(N: int) -> int:
    """Words of one packed row of ``N`` inputs (a multiple of ``CHUNK_WORDS``)."""
    w = (N + WORD_BITS - 1) // WORD_BITS
    return CHUNK_WORDS * ((w + CHUNK_WORDS - 1) // CHUNK_WORDS)


@intrinsic
def popcount64(typingctx, x):
    """Hardware population count of a uint64 (LLVM ``ctpop``)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


def pack_rows(bits: np.ndarray, out: np.ndarray) -> None:
    """Pack a boolean/0-1 array ``bits`` (R, N) into the row-major uint64 words ``out`` (R, n_words(N)) in place."""
    by = np.packbits(bits, axis=1, bitorder="little")
    ob = out.view(np.uint8)
    ob[:, :by.shape[1]] = by
    ob[:, by.shape[1]:] = 0


def _store_rows(words: np.ndarray, P: np.ndarray, r0: int) -> None:
    """Copy row-major words (k, nw) into rows ``r0 .. r0+k`` of the chunk-major ``P``."""
    k, nw = words.shape
    P[:, r0:r0 + k, :] = words.reshape(k, nw // CHUNK_WORDS, CHUNK_WORDS).transpose(1, 0, 2)


def pack_matrix(X: np.ndarray, block_rows: int = 4096) -> np.ndarray:
    """The chunk-major packed form of an int8 ±1 matrix ``X`` (M, N)."""
    M, N = X.shape
    nw = n_words(N)
    P = np.empty((nw // CHUNK_WORDS, M, CHUNK_WORDS), dtype=np.uint64)
    tmp = np.empty((min(block_rows, M), nw), dtype=np.uint64)
    for r0 in range(0, M, block_rows):
        k = min(block_rows, M - r0)
        pack_rows(X[r0:r0 + k] > 0, tmp[:k])
        _store_rows(tmp[:k], P, r0)
    return P


def pack_signs(W: np.ndarray) -> np.ndarray:
    """The packed row (n_words(N),) of the bits ``W_i >= 0`` of a vector ``W`` (N,)."""
    out = np.empty((1, n_words(W.shape[0])), dtype=np.uint64)
    pack_rows((np.asarray(W) >= 0)[None, :], out)
    return out[0]


def unpack_rows(P: np.ndarray, N: int) -> np.ndarray:
    """The int8 ±1 matrix (M, N) of the chunk-major packed ``P``."""
    nc, M, cw = P.shape
    words = np.ascontiguousarray(P.transpose(1, 0, 2)).reshape(M, nc * cw)
    b = np.unpackbits(words.view(np.uint8), axis=1, count=N, bitorder="little")
    X = b.view(np.int8)
    X *= 2
    X -= 1
    return X


def row_major_words(P: np.ndarray) -> np.ndarray:
    """Row-major words ``R`` (M, nw) of the chunk-major packed ``P``: ``R[mu, w]``, word ``w`` of row ``mu``."""
    nc, M, cw = P.shape
    return np.ascontiguousarray(P.transpose(1, 0, 2)).reshape(M, nc * cw)


def draw_packed_patterns(rng: np.random.Generator, M: int, N: int, block_rows: int = 256) -> np.ndarray:
    """``(rng.integers(0, 2, size=(M, N), dtype=int8) * 2 - 1)`` packed, drawn block by block.

    Consumes ``rng`` exactly as the dense call (see the module docstring); the peak extra
    memory is about ``2 block_rows N`` bytes besides the packed result.
    """
    nw = n_words(N)
    P = np.empty((nw // CHUNK_WORDS, M, CHUNK_WORDS), dtype=np.uint64)
    R = max(4, block_rows - block_rows % 4)  # R N is a multiple of 4 (a whole number of 32-bit draws)
    tmp = np.empty((min(R, M), nw), dtype=np.uint64)
    for r0 in range(0, M, R):
        k = min(R, M - r0)
        words = rng.integers(0, 2**32, size=(k * N + 3) // 4, dtype=np.uint32)
        top = words.view(np.uint8)[:k * N]
        top >>= 7
        pack_rows(top.reshape(k, N), tmp[:k])
        _store_rows(tmp[:k], P, r0)
    return P


@numba.njit(cache=True)
def packed_binary_fields(P, Wbits, N):
    """Integer fields ``sum_i W_i x_i^mu = N - 2 popcount(x^mu XOR W)`` for packed ``P`` and packed ``W``."""
    nc, M, cw = P.shape
    d = np.zeros(M, dtype=np.int64)
    for c in range(nc):
        Pc = P[c]
        for mu in range(M):
            row = Pc[mu]
            s = 0
            for k in range(cw):
                s += np.int64(popcount64(row[k] ^ Wbits[c * cw + k]))
            d[mu] += s
    out = np.empty(M, dtype=np.int64)
    for mu in range(M):
        out[mu] = N - 2 * d[mu]
    return out


def _sign_table() -> np.ndarray:
    v = np.arange(256)[:, None]
    return np.where((v >> np.arange(8)[None, :]) & 1, 1.0, -1.0)


#: ``SIGN_TABLE[v, j] = 2 v_j - 1``: the ±1 inputs of byte value ``v``
SIGN_TABLE = _sign_table()


@numba.njit(cache=True)
def _build_tables(m, N, w0, w1, T):
    """``T[(g - 8 w0) * 256 + v] = sum_j m_{8g+j} (2 v_j - 1)`` for the byte groups of words w0..w1."""
    mv = np.zeros(8)
    for gl in range((w1 - w0) * 8):
        g = w0 * 8 + gl
        base = gl * 256
        s = 0.0
        for j in range(8):
            i = 8 * g + j
            mv[j] = m[i] if i < N else 0.0
            s -= mv[j]
        T[base] = s
        for j in range(8):
            step = 1 << j
            dj = 2.0 * mv[j]
            for v in range(step):
                T[base + v + step] = T[base + v] + dj


@numba.njit(cache=True, fastmath=True)
def packed_forward(P, rows, m, Wbits, N, T, hbar, b):
    """``hbar[k] = m . x^{rows[k]}`` and ``b[k] = sign(m) . x^{rows[k]}`` (``Wbits``: packed ``m >= 0``).

    ``T``: scratch of ``CHUNK_WORDS * 2048`` floats.
    """
    nc = P.shape[0]
    K = rows.size
    for k in range(K):
        hbar[k] = 0.0
        b[k] = float(N)
    for ci in range(nc):
        w0 = ci * CHUNK_WORDS
        _build_tables(m, N, w0, w0 + CHUNK_WORDS, T)
        Pc = P[ci]
        for k in range(K):
            row = Pc[rows[k]]
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            d = 0
            for wl in range(CHUNK_WORDS):
                x = row[wl]
                d += np.int64(popcount64(x ^ Wbits[w0 + wl]))
                base = wl * 2048
                s0 += T[base + (x & 255)]
                s1 += T[base + 256 + ((x >> 8) & 255)]
                s2 += T[base + 512 + ((x >> 16) & 255)]
                s3 += T[base + 768 + ((x >> 24) & 255)]
                s0 += T[base + 1024 + ((x >> 32) & 255)]
                s1 += T[base + 1280 + ((x >> 40) & 255)]
                s2 += T[base + 1536 + ((x >> 48) & 255)]
                s3 += T[base + 1792 + (x >> 56)]
            hbar[k] += (s0 + s1) + (s2 + s3)
            b[k] -= 2.0 * d


@numba.njit(cache=True, fastmath=True)
def packed_backward(P, rows, c, m, d, N, H, S, grad):
    """``grad_i = sum_k c[k] x_i^{rows[k]} + d m_i`` by per-chunk byte histograms of ``c``.

    ``H``: scratch of ``CHUNK_WORDS * 2048`` floats; ``S``: :data:`SIGN_TABLE`.
    """
    nc = P.shape[0]
    K = rows.size
    acc = np.zeros(8)
    for ci in range(nc):
        w0 = ci * CHUNK_WORDS
        w1 = w0 + CHUNK_WORDS
        for q in range(CHUNK_WORDS * 2048):
            H[q] = 0.0
        Pc = P[ci]
        for k in range(K):
            row = Pc[rows[k]]
            ck = c[k]
            for wl in range(CHUNK_WORDS):
                x = row[wl]
                base = wl * 2048
                H[base + (x & 255)] += ck
                H[base + 256 + ((x >> 8) & 255)] += ck
                H[base + 512 + ((x >> 16) & 255)] += ck
                H[base + 768 + ((x >> 24) & 255)] += ck
                H[base + 1024 + ((x >> 32) & 255)] += ck
                H[base + 1280 + ((x >> 40) & 255)] += ck
                H[base + 1536 + ((x >> 48) & 255)] += ck
                H[base + 1792 + (x >> 56)] += ck
        for gl in range((w1 - w0) * 8):
            for j in range(8):
                acc[j] = 0.0
            base = gl * 256
            for v in range(256):
                hv = H[base + v]
                for j in range(8):
                    acc[j] += hv * S[v, j]
            i0 = (w0 * 8 + gl) * 8
            for j in range(8):
                i = i0 + j
                if i < N:
                    grad[i] = acc[j] + d * m[i]
