//===- ResourceKeys.cpp - keep dense_resource names across a reparse ------===//

#include "ResourceKeys.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace {

DialectResourceBlobManager &blobManager(MLIRContext *context) {
  return DenseResourceElementsHandle::getManagerInterface(context).getBlobManager();
}

/// `key` without its last `_<digits>` suffix, or empty if it has none.
StringRef withoutRenameSuffix(StringRef key) {
  size_t underscore = key.rfind('_');
  if (underscore == StringRef::npos || underscore + 1 == key.size())
    return {};
  StringRef digits = key.drop_front(underscore + 1);
  if (!llvm::all_of(digits, [](char c) { return llvm::isDigit(c); }))
    return {};
  return key.take_front(underscore);
}

bool sameData(const AsmResourceBlob *a, const AsmResourceBlob *b) {
  if (!a || !b)
    return a == b; // both elided (no data)
  return a->getDataAlignment() == b->getDataAlignment() && a->getData() == b->getData();
}

} // namespace

llvm::StringSet<> autoshard::resourceKeys(MLIRContext *context) {
  llvm::StringSet<> keys;
  blobManager(context).getBlobMap([&](const llvm::StringMap<DialectResourceBlobManager::BlobEntry> &map) {
    for (const auto &entry : map)
      keys.insert(entry.getKey());
  });
  return keys;
}

void autoshard::restoreResourceKeys(Operation *op, const llvm::StringSet<> &before) {
  MLIRContext *context = op->getContext();
  DialectResourceBlobManager &manager = blobManager(context);
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](DenseResourceElementsAttr attr) -> std::optional<Attribute> {
    DenseResourceElementsHandle handle = attr.getRawHandle();
    StringRef original = handle.getKey();
    if (before.contains(original))
      return std::nullopt;
    do
      original = withoutRenameSuffix(original);
    while (!original.empty() && !before.contains(original));
    DialectResourceBlobManager::BlobEntry *entry = original.empty() ? nullptr : manager.lookup(original);
    if (!entry || !sameData(entry->getBlob(), handle.getBlob()))
      return std::nullopt; // a resource of Python's own making
    return DenseResourceElementsAttr::get(attr.getType(),
                                          DenseResourceElementsHandle(entry, handle.getDialect()));
  });
  // Through the attribute dictionary, which includes inherent attributes
  // kept in properties (tosa.const's `values`).
  op->walk([&](Operation *nested) {
    DictionaryAttr attrs = nested->getAttrDictionary();
    Attribute replaced = replacer.replace(attrs);
    if (replaced != attrs)
      nested->setAttrs(cast<DictionaryAttr>(replaced));
  });
}
