"""`borrowed`: the same arrays without reference counting, for the inside of one compiled call.

numba reference-counts every array it passes between compiled functions, with
atomic operations; a named tuple of 15 arrays costs ~30 of them per call, which
measured 6x slower than the placement search itself. `run` and the other entry
points take the state as arguments (which keeps it alive for the whole call) and
work on borrowed copies whose meminfo is NULL, so every incref/decref inside is
a not-taken branch. A borrowed array must never escape the call that made it.
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def _strip(context, builder, aryty, value):  # type: ignore[no-untyped-def]
    ary = context.make_array(aryty)(context, builder, value=value)
    ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
    ary.parent = cgutils.get_null_value(ary.parent.type)
    return ary._getvalue()


@intrinsic
def borrowed(typingctx, value):  # type: ignore[no-untyped-def]
    """An array, or a (named) tuple whose array members are, without reference counting."""
    if isinstance(value, types.Array):

        def codegen_array(context, builder, signature, args):  # type: ignore[no-untyped-def]
            return _strip(context, builder, signature.args[0], args[0])

        return value(value), codegen_array
    if not isinstance(value, types.BaseTuple):
        return None

    def codegen_tuple(context, builder, signature, args):  # type: ignore[no-untyped-def]
        out = args[0]
        for i, ty in enumerate(signature.args[0].types):
            if isinstance(ty, types.Array):
                out = builder.insert_value(out, _strip(context, builder, ty, builder.extract_value(out, i)), i)
        return out

    return value(value), codegen_tuple
