# Download Wikipedia and turn it into plain text: one article per line.


include: "functions/corpus.smk"


checkpoint corpus_index:
    input:
        [ENWIKI["index"]] if ENWIKI["index"] else [],
    output:
        "results/{name}/download/enwiki-%s-sha1sums.txt" % ENWIKI["date"],
    log:
        "results/{name}/logs/corpus_index/index.log",
    benchmark:
        "results/{name}/benchmarks/corpus_index/index.tsv"
    retries: 2
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        source=opt(ENWIKI["index"]),
        base_url=ENWIKI["base_url"],
        date=ENWIKI["date"],
        retries=DOWNLOAD["retries"],
        timeout=DOWNLOAD["timeout_s"],
        backoff=DOWNLOAD["backoff_s"],
    shell:
        "qwem corpus index {output:q} --source {params.source:q}"
        " --base-url {params.base_url:q} --date {params.date}"
        " --retries {params.retries} --timeout {params.timeout}"
        " --backoff {params.backoff} > {log:q} 2>&1"


rule corpus_download:
    input:
        # ancient: a refreshed index does not make the parts downloaded again
        index=ancient(DUMP_INDEX),
    output:
        protected("results/{name}/download/{part}.xml.bz2"),
    log:
        "results/{name}/logs/corpus_download/{part}.log",
    benchmark:
        "results/{name}/benchmarks/corpus_download/{part}.tsv"
    wildcard_constraints:
        part=r"enwiki-\d+-p\d+p\d+",
    retries: 2
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        url=lambda wildcards, input: qsources.dump_part_url(
            ENWIKI["base_url"],
            ENWIKI["date"],
            enwiki_part(input.index, wildcards.part).file,
        ),
        sha1=lambda wildcards, input: enwiki_part(input.index, wildcards.part).sha1,
        retries=DOWNLOAD["retries"],
        timeout=DOWNLOAD["timeout_s"],
        backoff=DOWNLOAD["backoff_s"],
    shell:
        "qwem corpus download {params.url:q} {output:q} --sha1 {params.sha1}"
        " --retries {params.retries} --timeout {params.timeout}"
        " --backoff {params.backoff} > {log:q} 2>&1"


rule corpus_fetch_text8:
    output:
        zip=protected("results/{name}/download/text8.zip"),
        checksum="results/{name}/download/text8.zip.sha256",
    log:
        "results/{name}/logs/corpus_fetch_text8/text8.log",
    benchmark:
        "results/{name}/benchmarks/corpus_fetch_text8/text8.tsv"
    retries: 2
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        url=CORPUS["text8"]["url"],
        size=opt(CORPUS["text8"]["bytes"]),
        member_bytes=opt(CORPUS["text8"]["member_bytes"]),
        sha256=opt(CORPUS["text8"]["sha256"]),
        retries=DOWNLOAD["retries"],
        timeout=DOWNLOAD["timeout_s"],
        backoff=DOWNLOAD["backoff_s"],
    shell:
        "qwem corpus fetch-text8 {params.url:q} {output.zip:q} {output.checksum:q}"
        " --size {params.size} --member-bytes {params.member_bytes}"
        " --sha256 {params.sha256} --retries {params.retries}"
        " --timeout {params.timeout} --backoff {params.backoff} > {log:q} 2>&1"


rule corpus_split_text8:
    input:
        zip="results/{name}/download/text8.zip",
        checksum="results/{name}/download/text8.zip.sha256",
    output:
        expand("results/{{name}}/text/part-{part}.txt.gz", part=TEXT8_PARTS),
    log:
        "results/{name}/logs/corpus_split_text8/text8.log",
    benchmark:
        "results/{name}/benchmarks/corpus_split_text8/text8.tsv"
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        doc_words=CORPUS["text8"]["doc_words"],
        words=opt(CORPUS["text8"]["words"]),
        sha256=opt(CORPUS["text8"]["sha256"]),
    shell:
        "qwem corpus split-text8 {input.zip:q} {input.checksum:q} {output:q}"
        " --doc-words {params.doc_words} --words {params.words}"
        " --sha256 {params.sha256} > {log:q} 2>&1"


rule corpus_extract_dump:
    input:
        get_dump_file,
    output:
        "results/{name}/text/part-{part}.txt.gz",
    log:
        "results/{name}/logs/corpus_extract_dump/{part}.log",
    benchmark:
        "results/{name}/benchmarks/corpus_extract_dump/{part}.tsv"
    wildcard_constraints:
        part=r"bundled-sample|enwiki-\d+-p\d+p\d+",
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["extract_threads"]
    resources:
        mem_mb=lambda wildcards, threads: 1000 + 500 * threads,
        runtime=lambda wildcards, input: 30 + int(input.size_mb / 5),
    params:
        min_words=CORPUS["min_article_words"],
    shell:
        "qwem corpus extract-dump {input:q} {output:q} --min-words {params.min_words}"
        " --threads {threads} > {log:q} 2>&1"


rule corpus_extract_summaries:
    input:
        get_vital_summaries,
    output:
        "results/{name}/text/part-bundled-vital.txt.gz",
    log:
        "results/{name}/logs/corpus_extract_summaries/bundled-vital.log",
    benchmark:
        "results/{name}/benchmarks/corpus_extract_summaries/bundled-vital.tsv"
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=lambda wildcards, input: 1000 + 4 * int(input.size_mb),
        runtime=lambda wildcards, input: 10 + int(input.size_mb / 5),
    params:
        min_words=CORPUS["bundled"]["min_summary_words"],
    shell:
        "qwem corpus extract-summaries {input:q} {output:q}"
        " --min-words {params.min_words} > {log:q} 2>&1"
