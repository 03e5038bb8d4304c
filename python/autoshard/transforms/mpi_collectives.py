"""MLIR text of one shard-dialect collective as point-to-point MPI.

Each collective becomes a private function `tensor -> tensor` that stock
MLIR 22 passes bufferize and lower to LLVM: the tensor is laid out flat in
chunk-major order (chunk j of the split/gather axis is elements
[j*E, (j+1)*E)), communicated with blocking `mpi.send` / `mpi.recv` (the
only point-to-point ops upstream lowers to LLVM; ordered so that no cycle of
ranks waits on itself) on a communicator made by `mpi.comm_split` for the
group of grid axes, and laid back out.  The algorithms send what the cost model (cost/model.py)
charges per device:

    all_gather      ring, n-1 steps of one chunk      (n-1)/n * B_out
    reduce_scatter  ring, n-1 steps of one chunk      (n-1)/n * B_in
    all_reduce      ring reduce-scatter + all-gather  2(n-1)/n * B
    all_to_all      pairwise exchange, n-1 steps      (n-1)/n * B_in
    all_slice       a local slice at this rank's offset, no message
    update_halo     neighbour exchange per split dim  (lo+hi) rows, interior ranks

Why the flat layout: upstream's MPI-to-LLVM lowering sends `sizes[0]`
elements from the descriptor's aligned pointer plus offset, so every buffer
handed to an mpi op must be one-dimensional and contiguous.

Group semantics as in sim/collectives.py: a rank's group is every rank
sharing its coordinates on the grid axes not listed; its in-group index is
the row-major index of its coordinates on the listed axes, first axis most
significant; world ranks are row-major device indices (as
`shard.process_linear_index`).  The split key is the in-group index, so the
sub-communicator's ranks are in-group indices.

With `count` set, every send is preceded by a call to the external
`@autoshard_mpi_sent(i64 collective, i64 bytes)`, so a runtime can measure
what each rank passes to MPI.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from math import prod

COUNT_FUNC = "autoshard_mpi_sent"

# Element types upstream's MPI lowering has a datatype for (MPIToLLVM
# getDataType), and their bytes.  i1 buffers are bytes by the time the mpi
# ops are lowered (tools/bool_memrefs.py), so they travel as MPI_INT8_T.
MPI_ELEMENT_TYPES = {"f32": 4, "f64": 8, "i1": 1, "i8": 1, "i16": 2, "i32": 4, "i64": 8}

_FLOAT_OPS = {"sum": "arith.addf", "average": "arith.addf", "product": "arith.mulf",
              "max": "arith.maximumf", "min": "arith.minimumf"}
_INT_OPS = {"sum": "arith.addi", "average": "arith.addi", "product": "arith.muli",
            "max": "arith.maxsi", "min": "arith.minsi", "bitwise_and": "arith.andi",
            "bitwise_or": "arith.ori", "bitwise_xor": "arith.xori"}


# Booleans reduce as numpy's bool arrays do (the simulator's semantics).
_BOOL_OPS = {"sum": "arith.ori", "max": "arith.ori", "min": "arith.andi", "product": "arith.andi",
             "bitwise_and": "arith.andi", "bitwise_or": "arith.ori", "bitwise_xor": "arith.xori"}


def reduction_op(kind: str, elem: str) -> str | None:
    if elem == "i1":
        return _BOOL_OPS.get(kind)
    return (_FLOAT_OPS if elem.startswith("f") else _INT_OPS).get(kind)


@dataclass(frozen=True)
class Collective:
    """One collective as the lowering sees it (local shapes, static)."""

    kind: str  # all_gather | all_slice | all_to_all | all_reduce | reduce_scatter
    grid_shape: tuple[int, ...]
    axes: tuple[int, ...]
    elem: str  # element type spelling, a key of MPI_ELEMENT_TYPES
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    axis: int | None = None  # gather / slice / scatter axis; all_to_all: split axis
    concat_axis: int | None = None
    reduction: str = "sum"
    halos: tuple = ()  # update_halo: (dim, grid axes, lo, hi) per split dim, in dim order

    @property
    def group_size(self) -> int:
        return prod(self.grid_shape[a] for a in self.axes)

    def halo_bytes(self) -> list[int]:
        """Per halo dim, the bytes an interior rank receives (and sends)."""
        isz = MPI_ELEMENT_TYPES[self.elem]
        return [(lo + hi) * prod(self.in_shape) // self.in_shape[dim] * isz for dim, _, lo, hi in self.halos]

    def bytes_sent(self) -> float:
        """Bytes per rank the algorithm sends (the mean over ranks for an
        all_reduce whose size does not divide evenly; for a halo exchange,
        what an interior rank sends -- ranks at the ends send less)."""
        if self.kind == "update_halo":
            return float(sum(self.halo_bytes()))
        n, isz = self.group_size, MPI_ELEMENT_TYPES[self.elem]
        b_in, b_out = prod(self.in_shape) * isz, prod(self.out_shape) * isz
        frac = (n - 1) / n
        return {"all_gather": frac * b_out, "reduce_scatter": frac * b_in, "all_reduce": 2 * frac * b_in,
                "all_to_all": frac * b_in, "all_slice": 0.0}[self.kind]


def tensor_type(shape, elem: str) -> str:
    return f"tensor<{''.join(f'{d}x' for d in shape)}{elem}>"


def memref_type(shape, elem: str, dynamic_offset: bool = False) -> str:
    layout = ", strided<[1], offset: ?>" if dynamic_offset else ""
    return f"memref<{''.join(f'{d}x' for d in shape)}{elem}{layout}>"


class _Body:
    """Lines of one function body with fresh SSA names and cached constants."""

    def __init__(self) -> None:
        self.const_lines: list[str] = []  # first in the body: they dominate every loop
        self.lines: list[str] = []
        self.count = 0
        self.consts: dict = {}

    def fresh(self, hint: str = "v") -> str:
        self.count += 1
        return f"%{hint}{self.count}"

    def emit(self, text: str, hint: str = "v") -> str:
        name = self.fresh(hint)
        self.lines.append(f"{name} = {text}")
        return name

    def stmt(self, text: str) -> None:
        self.lines.append(text)

    def index(self, value: int) -> str:
        return self.const(value, "index")

    def const(self, value, typ: str) -> str:
        key = (typ, value)
        if key not in self.consts:
            name = self.fresh("c")
            self.const_lines.append(f"{name} = arith.constant {value} : {typ}")
            self.consts[key] = name
        return self.consts[key]

    def i32(self, index_value: str) -> str:
        return self.emit(f"arith.index_cast {index_value} : index to i32")

    def i64(self, index_value: str) -> str:
        return self.emit(f"arith.index_cast {index_value} : index to i64")

    def add(self, a, b):
        return self.emit(f"arith.addi {a}, {b} : index")

    def mul(self, a, b):
        return self.emit(f"arith.muli {a}, {b} : index")

    def rem(self, a, b):
        return self.emit(f"arith.remui {a}, {b} : index")

    def div(self, a, b):
        return self.emit(f"arith.divui {a}, {b} : index")


def _flatten(body: _Body, value: str, shape, elem: str) -> str:
    n = prod(shape)
    if len(shape) == 1:
        return value
    if not shape:
        return body.emit(f"tensor.expand_shape {value} [] output_shape [1] : "
                         f"{tensor_type((), elem)} into {tensor_type((1,), elem)}")
    dims = ", ".join(str(d) for d in range(len(shape)))
    return body.emit(f"tensor.collapse_shape {value} [[{dims}]] : "
                     f"{tensor_type(shape, elem)} into {tensor_type((n,), elem)}")


def _unflatten(body: _Body, value: str, shape, elem: str) -> str:
    n = prod(shape)
    if len(shape) == 1:
        return value
    if not shape:
        return body.emit(f"tensor.collapse_shape {value} [] : {tensor_type((1,), elem)} into {tensor_type((), elem)}")
    dims = ", ".join(str(d) for d in range(len(shape)))
    sizes = ", ".join(str(d) for d in shape)
    return body.emit(f"tensor.expand_shape {value} [[{dims}]] output_shape [{sizes}] : "
                     f"{tensor_type((n,), elem)} into {tensor_type(shape, elem)}")


def _slice_text(shape, axis: int, offset, sizes) -> tuple[str, str, str]:
    offs = ", ".join(str(offset) if d == axis else "0" for d in range(len(shape)))
    return offs, ", ".join(str(s) for s in sizes), ", ".join("1" for _ in shape)


def _stage(body: _Body, value: str, shape, axis: int, n: int, elem: str) -> str:
    """The tensor flat in chunk-major order along `axis` (n chunks)."""
    if prod(shape[:axis]) == 1:
        return _flatten(body, value, shape, elem)  # row-major already is chunk-major
    chunk = list(shape)
    chunk[axis] //= n
    e, total = prod(chunk), prod(shape)
    acc = body.emit(f"tensor.empty() : {tensor_type((total,), elem)}")
    for j in range(n):
        offs, sizes, strides = _slice_text(shape, axis, j * chunk[axis], chunk)
        part = body.emit(f"tensor.extract_slice {value}[{offs}] [{sizes}] [{strides}] : "
                         f"{tensor_type(shape, elem)} to {tensor_type(chunk, elem)}")
        flat = _flatten(body, part, chunk, elem)
        acc = body.emit(f"tensor.insert_slice {flat} into {acc}[{j * e}] [{e}] [1] : "
                        f"{tensor_type((e,), elem)} into {tensor_type((total,), elem)}")
    return acc


def _unstage(body: _Body, flat: str, chunk, axis: int, n: int, elem: str) -> str:
    """Inverse of _stage: n flat chunks of shape `chunk` concatenated along `axis`."""
    shape = list(chunk)
    shape[axis] *= n
    if prod(chunk[:axis]) == 1:
        return _unflatten(body, flat, shape, elem)
    e, total = prod(chunk), prod(shape)
    acc = body.emit(f"tensor.empty() : {tensor_type(shape, elem)}")
    for j in range(n):
        part = body.emit(f"tensor.extract_slice {flat}[{j * e}] [{e}] [1] : "
                         f"{tensor_type((total,), elem)} to {tensor_type((e,), elem)}")
        piece = _unflatten(body, part, chunk, elem)
        offs, sizes, strides = _slice_text(shape, axis, j * chunk[axis], chunk)
        acc = body.emit(f"tensor.insert_slice {piece} into {acc}[{offs}] [{sizes}] [{strides}] : "
                        f"{tensor_type(chunk, elem)} into {tensor_type(shape, elem)}")
    return acc


class _Lowering:
    def __init__(self, c: Collective, ident: int, count: bool):
        self.c, self.ident, self.count = c, ident, count
        self.b = _Body()
        self.n = c.group_size
        self.isz = MPI_ELEMENT_TYPES[c.elem]
        self._types: dict[str, str] = {}  # allocated buffer -> its type, for dealloc

    # -- this rank's place in its group ----------------------------------
    def position(self, with_comm: bool, axes=None):
        """This rank's in-group index `p` on `axes` (default: the op's) and,
        with a communicator, its ring neighbours and parity."""
        b, c = self.b, self.c
        axes = c.axes if axes is None else tuple(axes)
        n_group = prod(c.grid_shape[a] for a in axes)
        world = b.emit("mpi.comm_world : !mpi.comm", "world")
        rank = b.emit(f"arith.index_cast {b.emit(f'mpi.comm_rank({world}) : i32', 'rank')} : i32 to index")
        strides = [prod(c.grid_shape[a + 1:]) for a in range(len(c.grid_shape))]
        coord = {a: b.rem(b.div(rank, b.index(strides[a])), b.index(c.grid_shape[a]))
                 for a in range(len(c.grid_shape))}

        def fold(axes):
            acc = b.index(0)
            for a in axes:
                acc = b.add(b.mul(acc, b.index(c.grid_shape[a])), coord[a])
            return acc

        self.p = fold(axes)
        if not with_comm:
            return
        color = fold([a for a in range(len(c.grid_shape)) if a not in axes])
        self.comm = b.emit(f"mpi.comm_split({world}, {b.i32(color)}, {b.i32(self.p)}) : !mpi.comm", "comm")
        n = b.index(n_group)
        self.next = b.i32(b.rem(b.add(self.p, b.index(1)), n))
        self.prev = b.i32(b.rem(b.add(self.p, b.index(n_group - 1)), n))
        self.tag = b.const(0, "i32")
        # On a ring, even positions send first and odd ones receive first:
        # every chain of waiting ranks ends at an odd one (n >= 2).
        self.even = b.emit(f"arith.cmpi eq, {b.rem(self.p, b.index(2))}, {b.index(0)} : index")

    # -- helpers on flat memrefs -----------------------------------------
    def to_memref(self, flat_tensor: str, size: int) -> str:
        """A fresh, writable buffer holding the flat tensor."""
        b, e = self.b, self.c.elem
        src = b.emit(f"bufferization.to_buffer {flat_tensor} read_only : "
                     f"{tensor_type((size,), e)} to {memref_type((size,), e)}")
        buf = self.alloc(memref_type((size,), e), "buf")
        b.stmt(f"memref.copy {src}, {buf} : {memref_type((size,), e)} to {memref_type((size,), e)}")
        return buf

    def alloc(self, typ: str, hint: str) -> str:
        buf = self.b.emit(f"memref.alloc() : {typ}", hint)
        self._types[buf] = typ
        return buf

    def read_only(self, flat_tensor: str, size: int) -> str:
        """The flat tensor's buffer, only ever read."""
        e = self.c.elem
        return self.b.emit(f"bufferization.to_buffer {flat_tensor} read_only : "
                           f"{tensor_type((size,), e)} to {memref_type((size,), e)}")

    def free(self, *bufs: str) -> None:
        """Scratch buffers this function allocated and hands to no tensor."""
        for buf in bufs:
            self.b.stmt(f"memref.dealloc {buf} : {self._types[buf]}")

    def to_tensor(self, buf: str, size: int) -> str:
        e = self.c.elem
        return self.b.emit(f"bufferization.to_tensor {buf} restrict writable : "
                           f"{memref_type((size,), e)} to {tensor_type((size,), e)}")

    def view(self, buf: str, total: int, offset: str, size) -> tuple[str, str]:
        """A contiguous 1-D window of `buf`; size is an int or an index value."""
        e = self.c.elem
        static = isinstance(size, int)
        typ = memref_type((size if static else "?",), e, dynamic_offset=True)
        view = self.b.emit(f"memref.subview {buf}[{offset}] [{size}] [1] : {memref_type((total,), e)} to {typ}")
        return view, typ

    def send_recv(self, send_view, send_type, send_elems, dest, recv_view, recv_type, source, send_first):
        """A blocking send and a blocking recv (upstream lowers no isend /
        wait), ordered by `send_first` (an i1) so that no cycle of ranks all
        sends at once: MPI_Send may wait for the matching receive."""
        b = self.b
        if self.count:
            elems = b.index(send_elems) if isinstance(send_elems, int) else send_elems
            nbytes = b.i64(b.mul(elems, b.index(self.isz)))
            b.stmt(f"func.call @{COUNT_FUNC}({b.const(self.ident, 'i64')}, {nbytes}) : (i64, i64) -> ()")
        send = f"mpi.send({send_view}, {self.tag}, {dest}, {self.comm}) : {send_type}, i32, i32"
        recv = f"mpi.recv({recv_view}, {self.tag}, {source}, {self.comm}) : {recv_type}, i32, i32"
        b.stmt(f"scf.if {send_first} {{")
        b.stmt(send)
        b.stmt(recv)
        b.stmt("} else {")
        b.stmt(recv)
        b.stmt(send)
        b.stmt("}")

    def combine(self, acc_view, acc_type, other_view, other_type, size):
        """acc[i] = acc[i] <op> other[i] for i < size."""
        b, e = self.b, self.c.elem
        op = reduction_op(self.c.reduction, e)
        i = b.fresh("i")
        ub = b.index(size) if isinstance(size, int) else size
        b.stmt(f"scf.for {i} = {b.index(0)} to {ub} step {b.index(1)} {{")
        x = b.emit(f"memref.load {acc_view}[{i}] : {acc_type}")
        y = b.emit(f"memref.load {other_view}[{i}] : {other_type}")
        z = b.emit(f"{op} {x}, {y} : {e}")
        b.stmt(f"memref.store {z}, {acc_view}[{i}] : {acc_type}")
        b.stmt("}")

    def average(self, view, typ, size):
        if self.c.reduction != "average":
            return
        b, e = self.b, self.c.elem
        i = b.fresh("i")
        ub = b.index(size) if isinstance(size, int) else size
        n = b.const(f"{float(self.n)}" if e.startswith("f") else self.n, e)
        div = "arith.divf" if e.startswith("f") else "arith.divsi"
        b.stmt(f"scf.for {i} = {b.index(0)} to {ub} step {b.index(1)} {{")
        x = b.emit(f"memref.load {view}[{i}] : {typ}")
        b.stmt(f"memref.store {b.emit(f'{div} {x}, {n} : {e}')}, {view}[{i}] : {typ}")
        b.stmt("}")

    def loop(self, lo: int, hi: int):
        k = self.b.fresh("k")
        self.b.stmt(f"scf.for {k} = {self.b.index(lo)} to {self.b.index(hi)} step {self.b.index(1)} {{")
        return k

    def mod_n(self, *terms_and_const):
        """(sum of index values + constant) mod n, the constant kept >= 0."""
        b = self.b
        *terms, const = terms_and_const
        acc = b.index(const)
        for t in terms:
            acc = b.add(acc, t)
        return b.rem(acc, b.index(self.n))

    # -- the collectives ---------------------------------------------------
    def ring_reduce_scatter(self, buf, total, bounds, tmp, tmp_size):
        """After it, chunk p of `buf` holds the reduction of every member's chunk p."""
        b, n = self.b, self.n
        k = self.loop(0, n - 1)
        neg_k = b.emit(f"arith.subi {b.index(0)}, {k} : index")
        s = self.mod_n(self.p, neg_k, 2 * n - 1)  # p - k - 1
        r = self.mod_n(self.p, neg_k, 2 * n - 2)  # p - k - 2
        s_off, s_size = bounds(s)
        r_off, r_size = bounds(r)
        sv, st = self.view(buf, total, s_off, s_size)
        tv, tt = self.view(tmp, tmp_size, b.index(0), r_size)
        self.send_recv(sv, st, s_size, self.next, tv, tt, self.prev, self.even)
        rv, rt = self.view(buf, total, r_off, r_size)
        self.combine(rv, rt, tv, tt, r_size)
        b.stmt("}")

    def ring_all_gather(self, buf, total, bounds):
        """Given chunk p of `buf`, fills every chunk from the ring."""
        b, n = self.b, self.n
        k = self.loop(0, n - 1)
        neg_k = b.emit(f"arith.subi {b.index(0)}, {k} : index")
        s = self.mod_n(self.p, neg_k, n)  # p - k
        r = self.mod_n(self.p, neg_k, 2 * n - 1)  # p - k - 1
        s_off, s_size = bounds(s)
        r_off, r_size = bounds(r)
        sv, st = self.view(buf, total, s_off, s_size)
        rv, rt = self.view(buf, total, r_off, r_size)
        self.send_recv(sv, st, s_size, self.next, rv, rt, self.prev, self.even)
        b.stmt("}")

    def equal_bounds(self, e: int):
        return lambda j: (self.b.mul(j, self.b.index(e)), e)

    def all_gather(self, x: str) -> str:
        c, b, n = self.c, self.b, self.n
        assert c.axis is not None
        self.position(with_comm=True)
        e = prod(c.in_shape)
        total = n * e
        src = self.read_only(_flatten(b, x, c.in_shape, c.elem), e)
        buf = self.alloc(memref_type((total,), c.elem), "buf")
        own, own_type = self.view(buf, total, b.mul(self.p, b.index(e)), e)
        b.stmt(f"memref.copy {src}, {own} : {memref_type((e,), c.elem)} to {own_type}")
        self.ring_all_gather(buf, total, self.equal_bounds(e))
        return _unstage(b, self.to_tensor(buf, total), c.in_shape, c.axis, n, c.elem)

    def reduce_scatter(self, x: str) -> str:
        c, b, n = self.c, self.b, self.n
        assert c.axis is not None
        self.position(with_comm=True)
        total = prod(c.in_shape)
        e = total // n
        buf = self.to_memref(_stage(b, x, c.in_shape, c.axis, n, c.elem), total)
        tmp = self.alloc(memref_type((e,), c.elem), "tmp")
        self.ring_reduce_scatter(buf, total, self.equal_bounds(e), tmp, e)
        mine, mine_type = self.view(buf, total, b.mul(self.p, b.index(e)), e)
        out = self.alloc(memref_type((e,), c.elem), "out")
        b.stmt(f"memref.copy {mine}, {out} : {mine_type} to {memref_type((e,), c.elem)}")
        self.average(out, memref_type((e,), c.elem), e)
        self.free(buf, tmp)
        return _unflatten(b, self.to_tensor(out, e), c.out_shape, c.elem)

    def all_reduce(self, x: str) -> str:
        c, b, n = self.c, self.b, self.n
        self.position(with_comm=True)
        total = prod(c.in_shape)
        buf = self.to_memref(_flatten(b, x, c.in_shape, c.elem), total)

        def bounds(j):  # chunk j is [j*total/n, (j+1)*total/n): sizes differ by at most one
            start = b.div(b.mul(j, b.index(total)), b.index(n))
            stop = b.div(b.mul(b.add(j, b.index(1)), b.index(total)), b.index(n))
            return start, b.emit(f"arith.subi {stop}, {start} : index")

        tmp_size = -(-total // n)
        tmp = self.alloc(memref_type((tmp_size,), c.elem), "tmp")
        self.ring_reduce_scatter(buf, total, bounds, tmp, tmp_size)
        if c.reduction == "average":
            off, size = bounds(self.p)
            view, typ = self.view(buf, total, off, size)
            self.average(view, typ, size)
        self.ring_all_gather(buf, total, bounds)
        self.free(tmp)
        return _unflatten(b, self.to_tensor(buf, total), c.out_shape, c.elem)

    def all_to_all(self, x: str) -> str:
        c, b, n = self.c, self.b, self.n
        assert c.axis is not None and c.concat_axis is not None
        self.position(with_comm=True)
        total = prod(c.in_shape)
        e = total // n
        chunk = list(c.in_shape)
        chunk[c.axis] //= n
        src = self.to_memref(_stage(b, x, c.in_shape, c.axis, n, c.elem), total)
        dst = self.alloc(memref_type((total,), c.elem), "buf")
        mine_off = b.mul(self.p, b.index(e))
        own_src, st = self.view(src, total, mine_off, e)
        own_dst, dt = self.view(dst, total, mine_off, e)
        b.stmt(f"memref.copy {own_src}, {own_dst} : {st} to {dt}")
        # Pairwise exchange, unrolled: step k sends chunk `to` and receives
        # from `frm`.  Power-of-two groups pair p with p xor k (the lower of
        # the pair sends first); otherwise p sends to p+k and receives from
        # p-k, and in each cycle of that shift its smallest member (p < gcd)
        # sends first while the others receive first.
        pow2 = n & (n - 1) == 0
        for k in range(1, n):
            if pow2:
                to = frm = b.emit(f"arith.xori {self.p}, {b.index(k)} : index")
                first = b.emit(f"arith.cmpi ult, {self.p}, {to} : index")
            else:
                to = self.mod_n(self.p, k)
                frm = self.mod_n(self.p, n - k)
                first = b.emit(f"arith.cmpi ult, {self.p}, {b.index(math.gcd(n, k))} : index")
            sv, st = self.view(src, total, b.mul(to, b.index(e)), e)
            rv, rt = self.view(dst, total, b.mul(frm, b.index(e)), e)
            self.send_recv(sv, st, e, b.i32(to), rv, rt, b.i32(frm), first)
        self.free(src)
        return _unstage(b, self.to_tensor(dst, total), chunk, c.concat_axis, n, c.elem)

    def update_halo(self, x: str) -> str:
        """Per split dim (in order, so corners come from diagonal
        neighbours): the last `lo` core rows go to the next rank's first `lo`
        rows, the first `hi` core rows to the previous rank's last `hi` rows;
        the ends of the group keep their halos.  A chain, not a ring: even
        positions send first, odd ones receive first."""
        c, b = self.c, self.b
        shape, e = list(c.in_shape), c.elem
        full = memref_type(shape, e)
        src = b.emit(f"bufferization.to_buffer {x} read_only : {tensor_type(shape, e)} to {full}")
        buf = self.alloc(full, "buf")
        b.stmt(f"memref.copy {src}, {buf} : {full} to {full}")
        strides = [prod(shape[d + 1:]) for d in range(len(shape))]
        for dim, axes, lo, hi in c.halos:
            self.position(with_comm=True, axes=axes)
            n = prod(c.grid_shape[a] for a in axes)
            has_prev = b.emit(f"arith.cmpi ugt, {self.p}, {b.index(0)} : index")
            has_next = b.emit(f"arith.cmpi ult, {self.p}, {b.index(n - 1)} : index")
            size = shape[dim]
            # (rows, offset sent, offset received, to, from, may send, may receive)
            for rows, send_at, recv_at, dest, source, can_send, can_recv in (
                    (lo, size - hi - lo, 0, self.next, self.prev, has_next, has_prev),
                    (hi, lo, size - hi, self.prev, self.next, has_prev, has_next)):
                if rows:
                    self.halo_step(buf, shape, strides, dim, rows, send_at, recv_at, dest, source, can_send, can_recv)
        return b.emit(f"bufferization.to_tensor {buf} restrict writable : {full} to {tensor_type(shape, e)}")

    def halo_step(self, buf, shape, strides, dim, rows, send_at, recv_at, dest, source, can_send, can_recv):
        b, e = self.b, self.c.elem
        slab = list(shape)
        slab[dim] = rows
        full, slab_type = memref_type(shape, e), memref_type(slab, e)
        flat_type = memref_type((prod(slab),), e)
        dims = ", ".join(str(d) for d in range(len(shape)))

        def window(at):
            offs = ", ".join(str(at) if d == dim else "0" for d in range(len(shape)))
            typ = (f"memref<{''.join(f'{s}x' for s in slab)}{e}, strided<[{', '.join(map(str, strides))}], "
                   f"offset: {at * strides[dim]}>>")
            view = b.emit(f"memref.subview {buf}[{offs}] [{', '.join(map(str, slab))}] "
                          f"[{', '.join('1' for _ in shape)}] : {full} to {typ}")
            return view, typ

        out_view, out_type = window(send_at)
        in_view, in_type = window(recv_at)
        out_buf = self.alloc(slab_type, "slab")
        in_buf = self.alloc(slab_type, "slab")
        out_flat = b.emit(f"memref.collapse_shape {out_buf} [[{dims}]] : {slab_type} into {flat_type}")
        in_flat = b.emit(f"memref.collapse_shape {in_buf} [[{dims}]] : {slab_type} into {flat_type}")

        def send():
            b.stmt(f"scf.if {can_send} {{")
            b.stmt(f"memref.copy {out_view}, {out_buf} : {out_type} to {slab_type}")
            if self.count:
                nbytes = b.const(prod(slab) * self.isz, "i64")
                b.stmt(f"func.call @{COUNT_FUNC}({b.const(self.ident, 'i64')}, {nbytes}) : (i64, i64) -> ()")
            b.stmt(f"mpi.send({out_flat}, {self.tag}, {dest}, {self.comm}) : {flat_type}, i32, i32")
            b.stmt("}")

        def recv():
            b.stmt(f"scf.if {can_recv} {{")
            b.stmt(f"mpi.recv({in_flat}, {self.tag}, {source}, {self.comm}) : {flat_type}, i32, i32")
            b.stmt(f"memref.copy {in_buf}, {in_view} : {slab_type} to {in_type}")
            b.stmt("}")

        b.stmt(f"scf.if {self.even} {{")
        send()
        recv()
        b.stmt("} else {")
        recv()
        send()
        b.stmt("}")
        self.free(out_buf, in_buf)

    def all_slice(self, x: str) -> str:
        c, b = self.c, self.b
        assert c.axis is not None
        self.position(with_comm=False)
        off = b.mul(self.p, b.index(c.out_shape[c.axis]))
        offs, sizes, strides = _slice_text(c.in_shape, c.axis, off, c.out_shape)
        return b.emit(f"tensor.extract_slice {x}[{offs}] [{sizes}] [{strides}] : "
                      f"{tensor_type(c.in_shape, c.elem)} to {tensor_type(c.out_shape, c.elem)}")


def helper_function(c: Collective, name: str, ident: int, count: bool, loc: str | None = None) -> str:
    """`func.func private @name(tensor) -> tensor` performing the collective.
    `loc` (an attribute alias or `loc(...)` text) is given to every op, so
    that whatever goes wrong further down points at the collective."""
    low = _Lowering(c, ident, count)
    result = getattr(low, c.kind)("%x")
    suffix = f" loc({loc})" if loc else ""
    lines = [line if line.endswith("{") else line + suffix for line in low.b.const_lines + low.b.lines]
    body = "\n    ".join(lines + [f"return {result} : {tensor_type(c.out_shape, c.elem)}{suffix}"])
    return (f"func.func private @{name}(%x: {tensor_type(c.in_shape, c.elem)}) -> {tensor_type(c.out_shape, c.elem)} {{\n"
            f"    {body}\n  }}{suffix}")
