//===- ResourceKeys.h - keep dense_resource names across a reparse -*- C++ -*-===//
//
// A pass sends the module to Python as text and parses Python's result back
// into the same MLIRContext.  That context already holds the module's
// `dense_resource` blobs, so the parser renames every one it reads again
// (`foo` becomes `foo_1`, then `foo_2`, ...) and the output would differ from
// autoshard-opt's.  These two functions undo exactly that renaming.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOSHARD_PASSES_RESOURCEKEYS_H
#define AUTOSHARD_PASSES_RESOURCEKEYS_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringSet.h"

namespace autoshard {

/// The keys of the builtin dialect's resource blobs in `context` now.
llvm::StringSet<> resourceKeys(mlir::MLIRContext *context);

/// Makes every `dense_resource` in `op` whose key is `<k>_<n>...` for a key
/// `k` in `before` holding the same data refer to `k` again.
void restoreResourceKeys(mlir::Operation *op, const llvm::StringSet<> &before);

} // namespace autoshard

#endif // AUTOSHARD_PASSES_RESOURCEKEYS_H
