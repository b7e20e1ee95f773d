#include "monitor/run_summary.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

// Summaries as `sluice run --json` printed them (curves, trials and steps
// shortened): a tabular run, a tuned one, text jobs with two learners and
// with one, and a graph run.
constexpr const char* kTabular =
    R"~({"artifact":"m1","checks":[],"curves":{"train-rmse":[15.793520017598276,14.29915671217494,12.958687335359166],)~"
    R"~("valid-rmse":[15.161393882866957,13.71721040874358,12.44770484933504]},"features":14,"fingerprint":"58655526d0)~"
    R"~(3c5086","first_reject":"taxi.csv:413: expected 13 fields, found 6","matrix_bytes":276640.0,"metrics":{"mae":1.)~"
    R"~(6042024369984236,"mse":4.6599555936683235,"r2":0.9636593832272131,"rmse":2.1586930290498283,"rows_filtered":58)~"
    R"~(,"rows_read":5000,"rows_rejected":2,"rows_test":474,"rows_train":3966,"rows_valid":500},"model":{"best_round":)~"
    R"~(19,"best_valid_value":2.7465475572846425,"boosting_seconds":0.083549175,"data_handover_seconds":0.006553815,"p)~"
    R"~(arams":{"eta":"0.1","max_depth":"8","min_child_weight":"5","nthread":"2","objective":"reg:squarederror","seed")~"
    R"~(:"42","subsample":"0.9","tree_method":"hist"},"rounds_run":20,"stopped_early":false,"trees":20,"valid_metric":)~"
    R"~("rmse"},"name":"taxi-fare","peak_rss_bytes":20721664.0,"rejects_file":"m1/rejects.csv","rows":{"blank":0,"filt)~"
    R"~(ered":58,"filtered_by_filter":58,"filtered_missing_target":0,"filtered_missing_value":0,"filtered_unread":0,"f)~"
    R"~(iltered_unseen_label":0,"kept":4940,"read":5000,"rejected":2,"test":474,"train":3966,"valid":500},"seconds":{")~"
    R"~(apply":0.001804128,"evaluate":0.001226201,"read_fit":0.006111063,"save":0.003029738,"total":0.114339433,"train)~"
    R"~(":0.090759123},"split":{"test":0.1,"train":0.8,"valid":0.1},"task":"regression","unused_columns":[{"name":"Ven)~"
    R"~(dorID","reason":"not in prep.features"},{"name":"tpep_pickup_datetime","reason":"read by prep.derive or prep.f)~"
    R"~(ilter only"}],"used_columns":["trip_distance","duration_min","distance_km","jfk_km","pickup_hour","pickup_dow")~"
    R"~(,"passenger_count","RatecodeID","payment_type"]})~";
constexpr const char* kTuned =
    R"~({"artifact":"m2","checks":[],"curves":{"valid-rmse":[13.694887805122608,11.103100122369693,9.140687460504994]})~"
    R"~(,"features":14,"fingerprint":"58655526d03c5086","first_reject":"","matrix_bytes":276640.0,"metrics":{"mae":1.3)~"
    R"~(691958802661814,"mse":3.9483399235495464,"r2":0.9692089108648658,"rmse":1.987043009989856,"rows_filtered":58,")~"
    R"~(rows_read":5000,"rows_rejected":2,"rows_test":474,"rows_train":3966,"rows_valid":500},"model":{"best_round":9,)~"
    R"~("best_valid_value":2.7636539904299497,"boosting_seconds":0.030999003,"data_handover_seconds":0.006835719,"file)~"
    R"~(":"model.json","num_features":14,"params":{"eta":"0.20707","max_depth":"7","min_child_weight":"8","nthread":"2)~"
    R"~(","objective":"reg:squarederror","seed":"42","subsample":"0.63315","tree_method":"hist"},"rounds_run":10,"stop)~"
    R"~(ped_early":false,"task":"regression","trees":10,"valid_metric":"rmse"},"name":"taxi-fare-tuned","peak_rss_byte)~"
    R"~(s":22429696.0,"rejects_file":"prepped/rejects.csv","rows":{"blank":0,"filtered":58,"filtered_by_filter":58,"fi)~"
    R"~(ltered_missing_target":0,"filtered_missing_value":0,"filtered_unread":0,"filtered_unseen_label":0,"kept":4940,)~"
    R"~("read":5000,"rejected":2,"test":474,"train":3966,"valid":500},"seconds":{"apply":0.0,"evaluate":0.001004311,"p)~"
    R"~(rep":0.013164706,"read_fit":0.004217702,"save":0.002188109,"total":0.182679979,"train":0.160559186},"split":{")~"
    R"~(test":0.1,"train":0.8,"valid":0.1},"task":"regression","tuning":{"best_params":{"train.params.eta":"0.20707",")~"
    R"~(train.params.max_depth":"7","train.params.min_child_weight":"8","train.params.subsample":"0.63315"},"best_scor)~"
    R"~(e":2.7636539904299497,"best_trial":1,"failed":0,"metric":"rmse","ok":4,"parallel":1,"pruned":0,"resumed_trials)~"
    R"~(":0,"seconds":0.160559186,"strategy":"bayesian","table":"  trial  status  max_depth  eta       min_child_weigh)~"
    R"~(t  subsample  rounds  valid rmse  seconds","threads_per_trial":2,"trials":[{"curve":[13.694887805122608,11.103)~"
    R"~(100122369693,9.140687460504994,7.4253783310086,6.186758960911614,5.21002887339077,4.417588710687014,3.75029078)~"
    R"~(56397587,3.1865417981819104,2.7636539904299497],"higher_is_better":false,"metric":"rmse","params":{"train.para)~"
    R"~(ms.eta":"0.20707","train.params.max_depth":"7","train.params.min_child_weight":"8","train.params.subsample":"0)~"
    R"~(.63315"},"rounds":10,"score":2.7636539904299497,"seconds":0.039696127,"status":"ok","threads":2,"trial":1}],"t)~"
    R"~(rials_run":4,"warm_trials":0},"unused_columns":[],"used_columns":[]})~";
constexpr const char* kTextTwoLearners =
    R"~({"artifact":"m3","classes":["negative","positive"],"curves":{"bilstm:train-loss":[0.5131681978776711],"bilstm:)~"
    R"~(valid-accuracy":[0.8843537414965986],"bilstm:valid-loss":[0.27275370902755636],"ngram:train-loss":[0.566900877)~"
    R"~(5037485,0.306707753639501]},"fingerprint":"583d39620c8bd35b","first_reject":"reviews.csv:413: column review: e)~"
    R"~(mpty text","kind":"text","learners":[{"artifact":"m3/ngram","curves":{"train-loss":[0.5669008775037485,0.30670)~"
    R"~(7753639501]},"features":200126,"learner":"ngram","matrix_bytes":376344.0,"metrics":{"accuracy":0.9017543859649)~"
    R"~(123,"auc":0.9525475510002956,"confusion_matrix":[[134,12],[16,123]],"f1_macro":0.9016078121917539,"precision_m)~"
    R"~(acro":0.9022222222222223,"recall_macro":0.9013501527545087,"rows_read":3000,"rows_rejected":10,"rows_test":285)~"
    R"~(,"rows_train":2411},"model":{"classes":2,"dim":64,"epochs":2,"features":200126,"hogwild":false,"learner":"ngra)~"
    R"~(m","threads":1},"rejects_file":"m3/ngram/rejects.csv","seconds":{"evaluate":0.002193612,"save":0.193391807,"tr)~"
    R"~(ain":0.201661995}},{"artifact":"m3/bilstm","curves":{"train-loss":[0.5131681978776711],"valid-accuracy":[0.884)~"
    R"~(3537414965986],"valid-loss":[0.27275370902755636]},"features":126,"learner":"bilstm","matrix_bytes":182192.0,")~"
    R"~(metrics":{"accuracy":0.9263157894736842,"auc":0.9760027594362866,"confusion_matrix":[[139,7],[14,125]],"f1_mac)~"
    R"~(ro":0.9261375556899383,"precision_macro":0.9277332144979205,"recall_macro":0.9256676850300581,"rows_read":3000)~"
    R"~(,"rows_rejected":10,"rows_test":285,"rows_train":2411},"model":{"batch_size":32,"classes":2,"clip_norm":5.0,"d)~"
    R"~(im":100,"dropout":0.3,"epochs":1,"freeze_vectors":false,"hidden":128,"layers":1,"learner":"bilstm","learning_r)~"
    R"~(ate":0.002,"parameters":248634,"pooling":"max","tokens_per_second":11129.674489923535,"vocabulary_size":126},")~"
    R"~(rejects_file":"m3/bilstm/rejects.csv","seconds":{"evaluate":0.043683907,"save":0.003311888,"train":5.037099236)~"
    R"~(}}],"name":"reviews-sentiment","peak_rss_bytes":257908736.0,"rejects_file":"m3/ngram/rejects.csv","rows":{"bla)~"
    R"~(nk":0,"filtered":0,"filtered_by_filter":0,"filtered_missing_target":0,"filtered_missing_value":0,"filtered_unr)~"
    R"~(ead":0,"filtered_unseen_label":0,"kept":2990,"max_tokens":256,"read":3000,"rejected":10,"test":285,"tokenized_)~"
    R"~(texts":2990,"train":2411,"truncated_texts":0,"valid":294},"seconds":{"read_fit":0.030388427,"total":5.52540070)~"
    R"~(6},"split":{"test":0.1,"train":0.8,"valid":0.1},"task":"classification","unused_columns":[],"vocabulary":126})~";
constexpr const char* kTextOneLearner =
    R"~({"artifact":"m4","classes":["negative","positive"],"curves":{"train-loss":[0.5669008775037485,0.30670775363950)~"
    R"~(1]},"features":200126,"fingerprint":"583d39620c8bd35b","first_reject":"reviews.csv:413: column review: empty t)~"
    R"~(ext","kind":"text","learners":[{"artifact":"m4","curves":{"train-loss":[0.5669008775037485,0.306707753639501]})~"
    R"~(,"features":200126,"learner":"ngram","matrix_bytes":376344.0,"metrics":{"accuracy":0.9017543859649123,"auc":0.)~"
    R"~(9525475510002956,"confusion_matrix":[[134,12],[16,123]],"f1_macro":0.9016078121917539,"precision_macro":0.9022)~"
    R"~(222222222223,"recall_macro":0.9013501527545087,"rows_read":3000,"rows_rejected":10,"rows_test":285,"rows_train)~"
    R"~(":2411},"model":{"classes":2,"dim":64,"epochs":2,"features":200126,"hogwild":false,"learner":"ngram","threads")~"
    R"~(:1},"rejects_file":"m4/rejects.csv","seconds":{"evaluate":0.001681687,"save":0.153640529,"train":0.191800604}})~"
    R"~(],"matrix_bytes":376344.0,"metrics":{"accuracy":0.9017543859649123,"auc":0.9525475510002956,"confusion_matrix")~"
    R"~(:[[134,12],[16,123]],"f1_macro":0.9016078121917539,"precision_macro":0.9022222222222223,"recall_macro":0.90135)~"
    R"~(01527545087,"rows_read":3000,"rows_rejected":10,"rows_test":285,"rows_train":2411},"model":{"classes":2,"dim":)~"
    R"~(64,"epochs":2,"features":200126,"hogwild":false,"learner":"ngram","threads":1},"name":"reviews-sentiment","pea)~"
    R"~(k_rss_bytes":71651328.0,"rejects_file":"m4/rejects.csv","rows":{"blank":0,"filtered":0,"filtered_by_filter":0,)~"
    R"~("filtered_missing_target":0,"filtered_missing_value":0,"filtered_unread":0,"filtered_unseen_label":0,"kept":29)~"
    R"~(90,"max_tokens":256,"read":3000,"rejected":10,"test":285,"tokenized_texts":2990,"train":2411,"truncated_texts")~"
    R"~(:0,"valid":294},"seconds":{"apply":0.0,"evaluate":0.001681687,"read_fit":0.023242308,"save":0.153640529,"total)~"
    R"~(":0.378203855,"train":0.191800604},"split":{"test":0.1,"train":0.8,"valid":0.1},"task":"classification","unuse)~"
    R"~(d_columns":[],"vocabulary":126})~";
constexpr const char* kGraph =
    R"~({"artifact":"/tmp/run/m6","checks":[],"curves":{"train-rmse":[15.574745259295987,14.071723991188483,12.71779692)~"
    R"~(2388311],"valid-rmse":[14.780856111667585,13.37012273258427,12.084770694502518]},"features":13,"fingerprint":")~"
    R"~(9a6277247a476a87","first_reject":"","matrix_bytes":259168.0,"metrics":{"mae":0.9869805032102317,"mse":26.16238)~"
    R"~(8211032933,"r2":0.8725934592960862,"rmse":5.11491820179296,"rows_filtered":14,"rows_read":4998,"rows_rejected")~"
    R"~(:0,"rows_test":477,"rows_train":4005,"rows_valid":502},"model":{"best_round":83,"best_valid_value":1.567501966)~"
    R"~(8147105,"boosting_seconds":0.423022447,"data_handover_seconds":0.004779015,"params":{"eta":"0.1","max_depth":")~"
    R"~(8","nthread":"2","objective":"reg:squarederror","seed":"42","seed_per_iteration":"true","tree_method":"hist"},)~"
    R"~("rounds_run":104,"stopped_early":true,"trees":84,"valid_metric":"rmse"},"name":"taxi-fare","peak_rss_bytes":28)~"
    R"~(004352.0,"pipeline":"taxi-fare","rejects_file":"","rows":{"blank":0,"filtered":14,"filtered_by_filter":14,"fil)~"
    R"~(tered_missing_target":0,"filtered_missing_value":0,"filtered_unread":0,"filtered_unseen_label":0,"kept":4984,")~"
    R"~(read":4998,"rejected":0,"test":477,"train":4005,"valid":502},"seconds":{"apply":0.0,"evaluate":0.002381386,"re)~"
    R"~(ad_fit":0.004138355,"save":0.011984984,"total":0.462410386,"train":0.441656644},"split":{"test":0.1,"train":0.)~"
    R"~(8,"valid":0.1},"steps":[{"attempts":1,"key":"ffcc3dd8d216dfb3","name":"evaluate","output":"/tmp/run/m6.steps/ev)~"
    R"~(aluate.json","seconds":0.0009548379966872744,"status":"succeeded","type":"evaluate"},{"attempts":1,"key":"3f73)~"
    R"~(856db918e0f5","log":"/tmp/run/m6.steps/say.log","name":"say","said":"hello","seconds":0.020975216997612733,"sta)~"
    R"~(tus":"succeeded","type":"command"}],"task":"regression","unused_columns":[],"used_columns":[]})~";

std::string RoundTrip(const char* document) {
  return RunSummary::FromJson(nlohmann::json::parse(document)).ToJson().dump();
}

TEST(RunSummary, EveryKindOfSummaryReadsBackToTheSameDocument) {
  for (const char* document : {kTabular, kTuned, kTextTwoLearners, kTextOneLearner, kGraph}) {
    // Compared as text: a count that came back as 4940.0 would differ.
    EXPECT_EQ(RoundTrip(document), nlohmann::json::parse(document).dump());
  }
}

TEST(RunSummary, ReadsTypedValuesFromTheDocument) {
  const RunSummary tuned = RunSummary::FromJson(nlohmann::json::parse(kTuned));
  EXPECT_EQ(tuned.rows.read, 5000);
  EXPECT_EQ(tuned.rows.rejected + tuned.rows.filtered + tuned.rows.kept, 5000);
  ASSERT_TRUE(tuned.split);
  EXPECT_DOUBLE_EQ(tuned.split->train, 0.8);
  ASSERT_TRUE(tuned.tuning);
  EXPECT_EQ(tuned.tuning->trials_run, 4);
  EXPECT_EQ(tuned.tuning->best_params.at("train.params.max_depth"), "7");
  EXPECT_EQ(tuned.metrics.Find("rows_test"), 474.0);
  EXPECT_NEAR(*tuned.metrics.Find("rmse"), 1.987, 1e-3);
  EXPECT_FALSE(tuned.metrics.Find("confusion_matrix"));
  EXPECT_EQ(tuned.curves.at("valid-rmse").size(), 3u);
  EXPECT_TRUE(tuned.seconds.prep);
  EXPECT_TRUE(tuned.trained());

  const RunSummary text = RunSummary::FromJson(nlohmann::json::parse(kTextTwoLearners));
  EXPECT_TRUE(text.text);
  ASSERT_EQ(text.learners.size(), 2u);
  EXPECT_EQ(text.learners[1].learner, "bilstm");
  EXPECT_EQ(text.learners[1].metrics.confusion.size(), 2u);
  ASSERT_TRUE(text.rows.texts);
  EXPECT_EQ(text.rows.texts->tokenized, 2990);
  EXPECT_FALSE(text.seconds.train);  // each learner has its own

  const RunSummary graph = RunSummary::FromJson(nlohmann::json::parse(kGraph));
  EXPECT_EQ(graph.pipeline, "taxi-fare");
  EXPECT_EQ(graph.steps.size(), 2u);
}

TEST(RunSummary, AnOlderOrPartialDocumentReadsWithDefaultsNotAnError) {
  // Before unused columns had reasons, before splits were recorded; a
  // graph run with no train step; a key of the wrong type.
  const RunSummary old = RunSummary::FromJson(nlohmann::json::parse(
      R"({"name": "x", "artifact": "m", "unused_columns": ["a", {"name": "b", "reason": "why"}],
          "rows": {"read": 10, "kept": "ten"}, "metrics": {"rmse": 2, "rows_test": 3}, "tuning": {"trials_run": 5}})"));
  ASSERT_EQ(old.unused_columns.size(), 2u);
  EXPECT_EQ(old.unused_columns[0].name, "a");
  EXPECT_EQ(old.unused_columns[0].reason, "");
  EXPECT_EQ(old.unused_columns[1].reason, "why");
  EXPECT_FALSE(old.split);
  EXPECT_EQ(old.rows.read, 10);
  EXPECT_EQ(old.rows.kept, 0);
  EXPECT_EQ(old.metrics.Find("rmse"), 2.0);
  EXPECT_EQ(old.metrics.rows.at("rows_test"), 3);
  EXPECT_EQ(old.tuning->best_trial, -1);
  EXPECT_EQ(old.tuning->metric, "score");

  const RunSummary no_model = RunSummary::FromJson(nlohmann::json::parse(R"({"pipeline": "p", "steps": []})"));
  EXPECT_FALSE(no_model.trained());
  EXPECT_EQ(no_model.ToJson().dump(), R"({"pipeline":"p","steps":[]})");
  for (const char* not_a_summary : {"null", "[]", "7", R"({"rows": [1, 2]})"}) {
    EXPECT_FALSE(RunSummary::FromJson(nlohmann::json::parse(not_a_summary)).trained()) << not_a_summary;
  }
}

}  // namespace
}  // namespace sluice
