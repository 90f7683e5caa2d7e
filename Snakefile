# qwem: reproduce Karkada et al. (NeurIPS 2025) end to end.
# Wiring only: the rules live in workflow/rules/, the science in src/qwem/.
from snakemake.utils import min_version

min_version("9.0")


# the embedded default; overlays come with --configfile or a workflow profile
configfile: f"{workflow.basedir}/config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/corpus.smk"
include: "workflow/rules/vocab.smk"
include: "workflow/rules/cooccur.smk"
include: "workflow/rules/targets.smk"
include: "workflow/rules/spectral.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/baseline.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/rmt.smk"
include: "workflow/rules/plots.smk"


# each stage's products (functions/<stage>.smk); an input function, because the
# parts of an enwiki corpus are known only once the corpus_index checkpoint ran
# (the counts of the cooccur stage are an intermediate, not a product)
PRODUCTS = (vocab_outputs, targets_outputs, spectral_outputs)
PRODUCTS += (train_outputs, baseline_outputs, evaluate_outputs, rmt_outputs)
PRODUCTS += (plots_outputs,)


rule all:
    default_target: True
    input:
        lambda wildcards: [path for stage in PRODUCTS for path in stage()],
