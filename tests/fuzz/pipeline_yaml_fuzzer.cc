// libFuzzer target for the pipeline file reader: any bytes as a pipeline
// file's YAML, parsed and checked key by key, with the step graph when it
// has one. Bad input must end in a sluice::Error (a usage error naming the
// file and key) — never a crash, a hang, an alias bomb's memory, or another
// exception type escaping (which would reach the user as a bare message).

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "orchestrate/step_graph.h"
#include "pipeline/pipeline_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    sluice::PipelineSpec spec = sluice::ParsePipeline(text, "fuzz.yaml", {});
    if (!spec.steps.is_null()) sluice::ParseStepGraph(spec.steps, spec.parallel_steps, spec.file);
  } catch (const sluice::Error&) {
  }
  return 0;
}
