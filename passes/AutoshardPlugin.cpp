//===- AutoshardPlugin.cpp - autoshard's passes in a stock mlir-opt -------===//
//
//   mlir-opt --load-pass-plugin=libAutoshardPlugin.so \
//     --pass-pipeline='builtin.module(func.func(canonicalize),autoshard{grid=2x4},autoshard-partition)'
//
// Every autoshard pass is one `PythonPass` configured from the table
// generated from the Python pass dataclasses (AutoshardPasses.inc), so the
// passes and their options are those of autoshard-opt.  A pass prints the
// module with its locations, has the Python process run the pass on that
// text (PythonChannel.h), turns autoshard's located messages into MLIR
// diagnostics and, on success, swaps the resulting module's body in.
//
//===----------------------------------------------------------------------===//

#include "PythonChannel.h"
#include "ResourceKeys.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Support/TypeID.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FormatVariadic.h"

#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <vector>

using namespace mlir;

namespace autoshard {
namespace {

enum class OptionKind { Bool, Int, Float, String };

struct OptionInfo {
  const char *name;
  OptionKind kind;
  const char *help;
  bool boolDefault;
  int64_t intDefault;
  double floatDefault;
  const char *stringDefault;
};

struct PassInfo {
  const char *name;
  const char *summary;
  std::vector<OptionInfo> options;
};

const std::vector<PassInfo> &passTable() {
  static const std::vector<PassInfo> table = {
#include "AutoshardPasses.inc"
  };
  return table;
}

/// Names the Python `PipelineState` that the autoshard passes of one
/// pipeline run on one module share (autoshard-verify needs what
/// autoshard-partition recorded).  As an analysis of the module it lives
/// as long as that run; it is never invalidated, as the state in an
/// autoshard-opt pipeline survives other passes too.
struct PipelineStateToken {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(PipelineStateToken)

  explicit PipelineStateToken(Operation *) : id(nextId++) {}
  PipelineStateToken(const PipelineStateToken &) = delete;
  ~PipelineStateToken() {
    // Failure to release only leaks a little Python memory: not worth a
    // message, nor restarting a process that died.
    llvm::Expected<llvm::json::Value> reply = PythonChannel::get().call(
        llvm::json::Object{{"op", "release"}, {"state", id}}, /*start=*/false);
    if (!reply)
      llvm::consumeError(reply.takeError());
  }
  bool isInvalidated(const AnalysisManager::PreservedAnalyses &) { return false; }

  int64_t id;
  static inline std::atomic<int64_t> nextId = 1;
};

/// One TypeID per pass name, as if each were its own C++ class.
TypeID passTypeID(StringRef name) {
  static TypeIDAllocator allocator;
  static std::map<std::string, TypeID, std::less<>> ids;
  auto it = ids.find(name);
  if (it == ids.end())
    it = ids.emplace(name.str(), allocator.allocate()).first;
  return it->second;
}

class PythonPass : public OperationPass<ModuleOp> {
public:
  explicit PythonPass(const PassInfo &info)
      : OperationPass<ModuleOp>(passTypeID(info.name)), info(info) {
    declareOptions();
  }
  // Pass::clone copies the option values after this.
  PythonPass(const PythonPass &other) : OperationPass<ModuleOp>(other), info(other.info) {
    declareOptions();
  }

  StringRef getName() const override { return info.name; }
  StringRef getArgument() const override { return info.name; }
  StringRef getDescription() const override { return info.summary; }
  std::unique_ptr<Pass> clonePass() const override { return std::make_unique<PythonPass>(*this); }

  /// The module coming back from Python may hold ops of any dialect the
  /// bindings know (their context loads them all), and dialects cannot be
  /// loaded once the pass manager runs: declare them all.
  void getDependentDialects(DialectRegistry &registry) const override { registerAllDialects(registry); }

  /// Bad option values (e.g. `grid=2xa`, or an option Python no longer has)
  /// are reported before anything runs, as autoshard-opt does.
  LogicalResult initialize(MLIRContext *context) override {
    llvm::Expected<llvm::json::Value> reply = PythonChannel::get().call(
        llvm::json::Object{{"op", "check"}, {"pass", info.name}, {"options", optionValues()}});
    std::string error; // Python's messages name the pass already
    if (!reply)
      error = "pass '" + std::string(info.name) + "': " + llvm::toString(reply.takeError());
    else if (const llvm::json::Object *object = reply->getAsObject())
      error = object->getString("error").value_or("").str();
    else
      error = "pass '" + std::string(info.name) + "': malformed reply from autoshard's Python process";
    if (error.empty())
      return success();
    emitError(UnknownLoc::get(context)) << error;
    return failure();
  }

  void runOnOperation() override;

private:
  void declareOptions();
  llvm::json::Object optionValues() const;
  Location locationOf(const llvm::json::Object &diagnostic);
  void emitDiagnostic(const llvm::json::Object &diagnostic);

  const PassInfo &info;
  // Options are registered with the pass by address: they must not move.
  std::vector<std::unique_ptr<Option<bool>>> boolOptions;
  std::vector<std::unique_ptr<Option<int64_t>>> intOptions;
  std::vector<std::unique_ptr<Option<double>>> floatOptions;
  std::vector<std::unique_ptr<Option<std::string>>> stringOptions;
};

void PythonPass::declareOptions() {
  for (const OptionInfo &o : info.options) {
    switch (o.kind) {
    case OptionKind::Bool:
      boolOptions.push_back(std::make_unique<Option<bool>>(*this, o.name, llvm::cl::desc(o.help),
                                                           llvm::cl::init(o.boolDefault)));
      break;
    case OptionKind::Int:
      intOptions.push_back(std::make_unique<Option<int64_t>>(*this, o.name, llvm::cl::desc(o.help),
                                                             llvm::cl::init(o.intDefault)));
      break;
    case OptionKind::Float:
      floatOptions.push_back(std::make_unique<Option<double>>(*this, o.name, llvm::cl::desc(o.help),
                                                              llvm::cl::init(o.floatDefault)));
      break;
    case OptionKind::String:
      stringOptions.push_back(std::make_unique<Option<std::string>>(
          *this, o.name, llvm::cl::desc(o.help), llvm::cl::init(std::string(o.stringDefault))));
      break;
    }
  }
}

/// The options the user set, as text for the Python dataclass; the others
/// keep the dataclass defaults (which the table repeats for --help only).
llvm::json::Object PythonPass::optionValues() const {
  llvm::json::Object values;
  for (const auto &o : boolOptions)
    if (o->hasValue())
      values[o->getArgStr()] = *o ? "true" : "false";
  for (const auto &o : intOptions)
    if (o->hasValue())
      values[o->getArgStr()] = std::to_string(static_cast<int64_t>(*o));
  for (const auto &o : floatOptions)
    if (o->hasValue()) // 17 significant digits: Python's float() gets the same double back
      values[o->getArgStr()] = llvm::formatv("{0:e16}", static_cast<double>(*o)).str();
  for (const auto &o : stringOptions)
    if (o->hasValue())
      values[o->getArgStr()] = static_cast<const std::string &>(*o);
  return values;
}

Location PythonPass::locationOf(const llvm::json::Object &diagnostic) {
  std::optional<StringRef> file = diagnostic.getString("file");
  if (!file) {
    // The module itself; mlir-opt places an implicit module at line 0,
    // which autoshard-opt reports as the file's first character.
    Location loc = getOperation().getLoc();
    if (auto fileLoc = dyn_cast<FileLineColLoc>(loc); fileLoc && fileLoc.getLine() == 0)
      return FileLineColLoc::get(fileLoc.getFilename(), 1, 1);
    return loc;
  }
  return FileLineColLoc::get(&getContext(), *file, diagnostic.getInteger("line").value_or(0),
                             diagnostic.getInteger("col").value_or(0));
}

void PythonPass::emitDiagnostic(const llvm::json::Object &diagnostic) {
  StringRef severity = diagnostic.getString("severity").value_or("error");
  StringRef message = diagnostic.getString("message").value_or("");
  Location loc = locationOf(diagnostic);
  InFlightDiagnostic emitted = severity == "warning"  ? emitWarning(loc)
                               : severity == "remark" ? emitRemark(loc)
                                                      : emitError(loc);
  emitted << message;
  if (const llvm::json::Array *notes = diagnostic.getArray("notes"))
    for (const llvm::json::Value &note : *notes)
      if (const llvm::json::Object *n = note.getAsObject())
        emitted.attachNote(locationOf(*n)) << n->getString("message").value_or("");
}

void PythonPass::runOnOperation() {
  ModuleOp module = getOperation();

  // Locations included, so that Python's messages and the new ops keep
  // them; nothing elided, whatever --mlir-elide-* says, or data would be lost.
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    OpPrintingFlags flags;
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
        .printGenericOpForm(false)
        .elideLargeElementsAttrs(std::numeric_limits<int64_t>::max())
        .elideLargeResourceString(std::numeric_limits<int64_t>::max())
        .printNameLocAsPrefix(false);
    module->print(os, flags);
  }

  int64_t state = getAnalysis<PipelineStateToken>().id;
  llvm::Expected<llvm::json::Value> reply = PythonChannel::get().call(llvm::json::Object{
      {"op", "run"},
      {"pass", info.name},
      {"options", optionValues()},
      {"state", state},
      {"module", text},
      {"allow_unregistered_dialects", getContext().allowsUnregisteredDialects()}});
  if (!reply) {
    module.emitError() << "pass '" << info.name << "': " << llvm::toString(reply.takeError());
    return signalPassFailure();
  }
  const llvm::json::Object *object = reply->getAsObject();
  if (!object) {
    module.emitError() << "pass '" << info.name << "': malformed reply from autoshard's Python process";
    return signalPassFailure();
  }
  if (std::optional<StringRef> error = object->getString("error")) {
    module.emitError() << *error; // the request itself failed in Python
    return signalPassFailure();
  }
  bool failed = false;
  if (const llvm::json::Array *diagnostics = object->getArray("diagnostics"))
    for (const llvm::json::Value &d : *diagnostics)
      if (const llvm::json::Object *diagnostic = d.getAsObject()) {
        emitDiagnostic(*diagnostic);
        failed |= diagnostic->getString("severity").value_or("error") == "error";
      }
  std::optional<StringRef> newText = object->getString("module");
  if (failed || !newText)
    return signalPassFailure();

  llvm::StringSet<> resourcesBefore = resourceKeys(&getContext());
  ParserConfig config(&getContext());
  OwningOpRef<ModuleOp> result =
      parseSourceString<ModuleOp>(*newText, config, llvm::formatv("<{0} output>", info.name).str());
  if (!result) {
    module.emitError() << "autoshard pass '" << info.name << "' produced a module mlir-opt cannot parse";
    return signalPassFailure();
  }
  restoreResourceKeys(result.get(), resourcesBefore);
  // The pass manager holds `module`: keep the op, take the new contents.
  module->setAttrs(result.get()->getAttrDictionary());
  module->setLoc(result->getLoc());
  module.getBodyRegion().takeBody(result->getBodyRegion());
  markAnalysesPreserved<PipelineStateToken>();
}

} // namespace
} // namespace autoshard

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Autoshard", LLVM_VERSION_STRING, []() {
            for (const autoshard::PassInfo &info : autoshard::passTable())
              ::mlir::registerPass([&info]() -> std::unique_ptr<::mlir::Pass> {
                return std::make_unique<autoshard::PythonPass>(info);
              });
          }};
}
