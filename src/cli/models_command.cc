// `sluice models`: the model registry (.sluice/runs.db, copies under
// .sluice/models/).
//   sluice models [NAME] [--json]                    versions, newest first
//   sluice models promote NAME VERSION --stage S     staging, production, archived or none
//   sluice models register DIR --name NAME           register an artifact made elsewhere
// `sluice serve --model registry:NAME@production` serves through it.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/format.h"
#include "common/text_table.h"
#include "history/registered_models.h"
#include "history/state_database.h"

namespace sluice {

namespace {

struct ModelsArgs {
  std::string name;
  int version = 0;
  std::string stage;
  std::string dir;
  bool json = false;
};

void Print(const std::vector<ModelVersion>& versions, bool json) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : versions) list.push_back(v.ToJson());
    std::printf("%s\n", list.dump(2).c_str());
    return;
  }
  if (versions.empty()) {
    std::printf("no models registered yet (each successful sluice run registers its artifact)\n");
    return;
  }
  TextTable table;
  table.Column("NAME").Column("VERSION", true).Column("STAGE").Column("REGISTERED").Column("RUN").Column("PATH");
  for (const auto& v : versions) {
    table.Row({v.name, std::to_string(v.version), v.stage, FormatLocalTime(v.created), v.run_id, v.path});
  }
  std::fputs(table.Format().c_str(), stdout);
}

}  // namespace

CommandAction AddModelsCommand(CLI::App& app) {
  auto args = std::make_shared<ModelsArgs>();
  CLI::App* command = app.add_subcommand("models", "The model registry: versions of each trained model and their stages");
  command->add_option("name", args->name, "Only this model's versions");
  command->add_flag("--json", args->json, "As JSON");
  CLI::App* promote = command->add_subcommand("promote", "Move a version to a stage (the version that held it is archived)");
  promote->add_option("name", args->name, "Model name")->required();
  promote->add_option("version", args->version, "Version number")->required()->check(CLI::PositiveNumber);
  promote->add_option("--stage", args->stage, "staging, production, archived or none")->required();
  promote->add_flag("--json", args->json, "Print the version as JSON");
  CLI::App* reg = command->add_subcommand("register", "Register an artifact directory as the next version of NAME");
  reg->add_option("dir", args->dir, "The artifact directory (with sluice-model.json)")->required();
  reg->add_option("--name", args->name, "The model's name")->required();
  reg->add_flag("--json", args->json, "Print the version as JSON");
  return [args, promote, reg]() {
    const std::string dir = std::filesystem::absolute(StateDirectory()).lexically_normal().string();
    auto db = OpenStateDatabase(dir);
    RegisteredModels models(*db, dir);
    if (promote->parsed() || reg->parsed()) {
      ModelVersion v = promote->parsed() ? models.Promote(args->name, args->version, args->stage)
                                         : models.Register(args->name, args->dir, "");
      if (args->json) {
        std::printf("%s\n", v.ToJson().dump(2).c_str());
      } else if (promote->parsed()) {
        std::printf("%s v%d is now in stage %s\n", v.name.c_str(), v.version, v.stage.c_str());
      } else {
        std::printf("registered %s v%d: %s\n", v.name.c_str(), v.version, v.path.c_str());
      }
      return 0;
    }
    Print(models.List(args->name), args->json);
    return 0;
  };
}

}  // namespace sluice
