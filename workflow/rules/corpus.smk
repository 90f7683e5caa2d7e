# Download Wikipedia and turn it into plain text: one article per line.


rule download_dump_part:
    output:
        protected("results/{name}/download/{part}.xml.bz2"),
    log:
        "results/{name}/logs/download_dump_part/{part}.log",
    benchmark:
        "results/{name}/benchmarks/download_dump_part/{part}.tsv"
    wildcard_constraints:
        part=r"enwiki-\d+-p\d+p\d+",
    retries: 2
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        url=get_part_url,
        sha1=get_part_sha1,
        retries=DOWNLOAD["retries"],
        timeout=DOWNLOAD["timeout_s"],
        backoff=DOWNLOAD["backoff_s"],
    shell:
        "qwem corpus download {params.url:q} {output:q} --sha1 {params.sha1}"
        " --retries {params.retries} --timeout {params.timeout}"
        " --backoff {params.backoff} > {log:q} 2>&1"


rule fetch_text8:
    output:
        zip=protected("results/{name}/download/text8.zip"),
        checksum="results/{name}/download/text8.zip.sha256",
    log:
        "results/{name}/logs/fetch_text8/text8.log",
    benchmark:
        "results/{name}/benchmarks/fetch_text8/text8.tsv"
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


rule split_text8:
    input:
        zip="results/{name}/download/text8.zip",
        checksum="results/{name}/download/text8.zip.sha256",
    output:
        expand("results/{{name}}/text/part-{part}.txt.gz", part=TEXT8_PARTS),
    log:
        "results/{name}/logs/split_text8/text8.log",
    benchmark:
        "results/{name}/benchmarks/split_text8/text8.tsv"
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


rule extract_dump_part:
    input:
        get_dump_file,
    output:
        "results/{name}/text/part-{part}.txt.gz",
    log:
        "results/{name}/logs/extract_dump_part/{part}.log",
    benchmark:
        "results/{name}/benchmarks/extract_dump_part/{part}.tsv"
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


rule extract_vital_summaries:
    input:
        get_vital_summaries,
    output:
        "results/{name}/text/part-bundled-vital.txt.gz",
    log:
        "results/{name}/logs/extract_vital_summaries/bundled-vital.log",
    benchmark:
        "results/{name}/benchmarks/extract_vital_summaries/bundled-vital.tsv"
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
