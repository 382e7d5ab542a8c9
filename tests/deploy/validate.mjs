// Validates rendered Kubernetes manifests (the output of `kubectl kustomize`)
// for Loupe, so that a typo in deploy/k8s fails CI instead of a rollout.
//
// Three layers, each reported as "<file>: <kind>/<name>: <path>: <problem>":
//  1. Schema: every object against the Kubernetes OpenAPI schema shipped by
//     the npm package kubernetes-models (types, enums, required fields).
//  2. Strictness: kubernetes-models ignores fields it does not know, so a
//     misspelt optional field (`readinesProbe`) would pass. A field counts as
//     known only when the schema checks it: the field's value is replaced by
//     a value no schema accepts (a function) and the validator must then
//     complain at exactly that path. Nothing is hard-coded per kind.
//  3. Loupe's invariants: one shard count everywhere (index replicas ==
//     LOUPE_SHARD_COUNT == number of LOUPE_INDEX_ADDRESSES, addresses naming
//     shards 0..N-1 in order), a single ingest replica, non-root containers
//     with a read-only root filesystem, native gRPC probes on a declared
//     port, requests and limits, sized volumes, selectors and ports that
//     match, ConfigMap keys that exist, and (with --bin) LOUPE_* variables
//     that name real flags of the binary the container runs.
//
// Usage: node validate.mjs [--bin DIR] RENDERED.yaml...
// Exit status 0 when every file is valid, 1 otherwise (2 on bad usage).
// Runs on Node.js >= 18 (Debian bookworm's nodejs).
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const NOT_VALID_ANYWHERE = () => {};  // fails every JSON-schema type check
const WORKLOAD_KINDS = new Set(["StatefulSet", "Deployment", "DaemonSet", "ReplicaSet"]);
const POD_INDEX_FIELD = "metadata.labels['apps.kubernetes.io/pod-index']";

// ---------------------------------------------------------------- helpers

function pointer(parts) {
  return parts.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Kubernetes quantity ("500m", "1Gi", "2") in base units; NaN when malformed.
function parseQuantity(value) {
  const match = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(value));
  if (!match) return NaN;
  const scale = {
    undefined: 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  }[match[2]];
  return Number(match[1]) * scale;
}

function matches(selectorLabels, podLabels) {
  return Object.entries(selectorLabels || {}).every(([k, v]) => (podLabels || {})[k] === v);
}

function selectorMatches(selector, podLabels) {
  if (!selector) return false;
  const expressionsOk = (selector.matchExpressions || []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(podLabels || {}, e.key);
    const value = (podLabels || {})[e.key];
    if (e.operator === "In") return has && e.values.includes(value);
    if (e.operator === "NotIn") return !has || !e.values.includes(value);
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    return false;
  });
  return matches(selector.matchLabels, podLabels) && expressionsOk;
}

// ------------------------------------------------------ schema + strictness

const modelCache = new Map();

async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    let model = null;
    if (/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(String(apiVersion)) && /^[A-Za-z]+$/.test(String(kind))) {
      try {
        model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind] || null;
      } catch {
        model = null;
      }
    }
    modelCache.set(key, model);
  }
  return modelCache.get(key);
}

function schemaErrors(Model, object) {
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    return error.errors;
  }
}

// Paths of fields that the schema does not check (unknown fields).
function unknownFields(Model, object) {
  const unknown = [];
  const visit = (node, parts) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...parts, i]));
      return;
    }
    if (!isPlainObject(node)) return;
    for (const key of Object.keys(node)) {
      const probe = structuredClone(object);
      let target = probe;
      for (const part of parts) target = target[part];
      target[key] = NOT_VALID_ANYWHERE;
      const at = pointer([...parts, key]);
      const checked = schemaErrors(Model, probe).some(
        (e) => e.instancePath === at || e.instancePath.startsWith(at + "/"));
      if (checked) visit(node[key], [...parts, key]);
      else unknown.push(at);
    }
  };
  visit(object, []);
  return unknown;
}

// ------------------------------------------------------------ invariants

// Flags of a Loupe binary, from its --helpfull; null when it cannot be run.
const flagCache = new Map();
function flagsOf(binDir, program) {
  if (!flagCache.has(program)) {
    const run = spawnSync(path.join(binDir, program), ["--helpfull"], { encoding: "utf8" });
    const text = `${run.stdout || ""}${run.stderr || ""}`;
    const flags = new Set([...text.matchAll(/^\s+--([a-z0-9_]+)/gm)].map((m) => m[1]));
    flagCache.set(program, run.error || flags.size === 0 ? null : flags);
  }
  return flagCache.get(program);
}

function checkCluster(objects, report, binDir) {
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const configMaps = new Map(byKind("ConfigMap").map((c) => [c.metadata.name, c.data || {}]));
  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  const podLabelsOf = (w) => w.spec?.template?.metadata?.labels || {};

  // Value of an env variable: literal, ConfigMap key, or a field reference.
  const envValue = (object, container, name) => {
    const entry = (container.env || []).find((e) => e.name === name);
    if (!entry) return { missing: true };
    if (entry.value !== undefined) return { value: String(entry.value) };
    const ref = entry.valueFrom?.configMapKeyRef;
    if (ref) return { value: configMaps.get(ref.name)?.[ref.key] };
    return { fieldPath: entry.valueFrom?.fieldRef?.fieldPath };
  };
  const containersRunning = (program) => workloads.flatMap((w) =>
    (w.spec.template.spec.containers || [])
      .filter((c) => (c.command || [])[0] === program)
      .map((c) => ({ workload: w, container: c })));

  for (const w of workloads) {
    const pod = w.spec?.template?.spec || {};
    const where = (suffix) => ({ object: w, at: suffix });
    if (!matches(w.spec?.selector?.matchLabels, podLabelsOf(w))) {
      report(where("/spec/selector"), "selector does not match the pod template's labels");
    }
    const volumes = new Set([...(pod.volumes || []), ...(w.spec.volumeClaimTemplates || [])
      .map((t) => t.metadata)].map((v) => v?.name));
    const grace = pod.terminationGracePeriodSeconds;
    if (!(Number.isInteger(grace) && grace >= 20)) {
      report(where("/spec/template/spec/terminationGracePeriodSeconds"),
        "must be set to >= 20 s so that SIGTERM can drain RPCs and close RocksDB");
    }
    for (const [i, t] of (w.spec.volumeClaimTemplates || []).entries()) {
      const size = parseQuantity(t.spec?.resources?.requests?.storage);
      if (!(size > 0)) report(where(`/spec/volumeClaimTemplates/${i}`), "volume has no size (spec.resources.requests.storage)");
      if (t.metadata?.labels?.["app.kubernetes.io/part-of"] !== "loupe") {
        report(where(`/spec/volumeClaimTemplates/${i}/metadata/labels`),
          "must carry app.kubernetes.io/part-of: loupe (deploy/README.md deletes volumes by it)");
      }
    }
    const all = [...(pod.initContainers || []).map((c) => ["initContainers", c]),
      ...(pod.containers || []).map((c) => ["containers", c])];
    all.forEach(([list, c]) => {
      const index = (pod[list] || []).indexOf(c);
      const at = `/spec/template/spec/${list}/${index}`;
      const sc = c.securityContext || {};
      const psc = pod.securityContext || {};
      const effective = (key) => (sc[key] !== undefined ? sc[key] : psc[key]);
      if (effective("runAsNonRoot") !== true) report(where(at), "runAsNonRoot must be true");
      if (!(Number.isInteger(effective("runAsUser")) && effective("runAsUser") > 0)) {
        report(where(at), "runAsUser must be a non-zero uid");
      }
      if (sc.readOnlyRootFilesystem !== true) report(where(at), "readOnlyRootFilesystem must be true");
      if (sc.allowPrivilegeEscalation !== false) report(where(at), "allowPrivilegeEscalation must be false");
      if (!(sc.capabilities?.drop || []).includes("ALL")) report(where(at), "capabilities must drop ALL");
      if ((sc.seccompProfile || psc.seccompProfile)?.type !== "RuntimeDefault") {
        report(where(at), "seccompProfile must be RuntimeDefault");
      }
      for (const m of c.volumeMounts || []) {
        if (!volumes.has(m.name)) report(where(at), `volumeMount ${m.name} names no volume`);
      }
      for (const e of c.env || []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && !ref.optional && configMaps.get(ref.name)?.[ref.key] === undefined) {
          report(where(at), `env ${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
        }
      }
      const program = (c.command || [])[0];
      if (binDir && program && program.startsWith("loupe")) {
        const flags = flagsOf(binDir, program);
        if (!flags) report(where(at), `cannot list the flags of ${path.join(binDir, program)}`);
        for (const e of flags ? c.env || [] : []) {
          if (e.name.startsWith("LOUPE_") && !flags.has(e.name.slice(6).toLowerCase())) {
            report(where(at), `env ${e.name}: ${program} has no flag --${e.name.slice(6).toLowerCase()}`);
          }
        }
      }
      if (list !== "containers") return;
      const ports = new Map((c.ports || []).map((p) => [p.name, p.containerPort]));
      const portNumbers = new Set(ports.values());
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const port = c[probe]?.grpc?.port;
        if (port === undefined) report(where(`${at}/${probe}`), "must be a native gRPC probe (grpc.port)");
        else if (!portNumbers.has(port)) report(where(`${at}/${probe}`), `probes port ${port}, which the container does not declare`);
      }
      const req = c.resources?.requests || {};
      const lim = c.resources?.limits || {};
      for (const [name, value] of [["requests.cpu", req.cpu], ["requests.memory", req.memory], ["limits.memory", lim.memory]]) {
        if (!(parseQuantity(value) > 0)) report(where(`${at}/resources`), `${name} must be set`);
      }
      for (const r of ["cpu", "memory"]) {
        if (lim[r] !== undefined && req[r] !== undefined && parseQuantity(lim[r]) < parseQuantity(req[r])) {
          report(where(`${at}/resources`), `limits.${r} is below requests.${r}`);
        }
      }
      const cache = envValue(w, c, "LOUPE_ROCKSDB_BLOCK_CACHE_MB").value;
      if (cache !== undefined && Number(cache) * 2 ** 20 * 2 > parseQuantity(lim.memory)) {
        report(where(`${at}/resources`), `RocksDB block cache (${cache} MiB) must be under half of limits.memory`);
      }
      const listen = envValue(w, c, "LOUPE_LISTEN").value;
      if (listen !== undefined) {
        const port = Number(listen.split(":").pop());
        if (!portNumbers.has(port)) report(where(at), `LOUPE_LISTEN=${listen} is not a declared container port`);
      }
    });
  }

  for (const pvc of byKind("PersistentVolumeClaim")) {
    if (!(parseQuantity(pvc.spec?.resources?.requests?.storage) > 0)) {
      report({ object: pvc, at: "/spec/resources/requests/storage" }, "volume has no size");
    }
  }

  // Services, PodDisruptionBudgets and NetworkPolicies must select pods here.
  const selected = (selectorMatch) => workloads.filter((w) => selectorMatch(podLabelsOf(w)));
  const containerPorts = (ws) => ws.flatMap((w) => w.spec.template.spec.containers.flatMap((c) => c.ports || []));
  for (const svc of byKind("Service")) {
    const targets = selected((labels) => svc.spec?.selector && matches(svc.spec.selector, labels));
    if (targets.length === 0) { report({ object: svc, at: "/spec/selector" }, "selects no workload"); continue; }
    const ports = containerPorts(targets);
    for (const [i, p] of (svc.spec.ports || []).entries()) {
      const target = p.targetPort ?? p.port;
      if (!ports.some((cp) => cp.name === target || cp.containerPort === target)) {
        report({ object: svc, at: `/spec/ports/${i}` }, `targetPort ${target} is not a port of the selected pods`);
      }
    }
  }
  for (const pdb of byKind("PodDisruptionBudget")) {
    if (selected((labels) => selectorMatches(pdb.spec?.selector, labels)).length === 0) {
      report({ object: pdb, at: "/spec/selector" }, "selects no workload");
    }
  }
  for (const np of byKind("NetworkPolicy")) {
    const targets = selected((labels) => selectorMatches(np.spec?.podSelector, labels));
    if (targets.length === 0) { report({ object: np, at: "/spec/podSelector" }, "selects no workload"); continue; }
    const ports = containerPorts(targets);
    (np.spec.ingress || []).forEach((rule, r) => (rule.ports || []).forEach((p, i) => {
      if (!ports.some((cp) => cp.containerPort === p.port || cp.name === p.port)) {
        report({ object: np, at: `/spec/ingress/${r}/ports/${i}` }, `port ${p.port} is not a port of the selected pods`);
      }
      (rule.from || []).forEach((peer, f) => {
        if (peer.podSelector && !peer.namespaceSelector &&
            selected((labels) => selectorMatches(peer.podSelector, labels)).length === 0) {
          report({ object: np, at: `/spec/ingress/${r}/from/${f}` }, "podSelector matches no workload of this namespace");
        }
      });
    }));
  }

  // The cluster's shape: one shard count, in agreement everywhere.
  const index = containersRunning("loupe-index");
  if (index.length !== 1) {
    report({ object: { kind: "-", metadata: { name: "-" } }, at: "" },
      `expected exactly one workload running loupe-index, found ${index.length}`);
    return;
  }
  const { workload: indexSet, container: indexContainer } = index[0];
  const shards = indexSet.spec.replicas;
  const at = (w) => ({ object: w, at: "/spec/template/spec/containers" });
  if (indexSet.kind !== "StatefulSet" || !(Number.isInteger(shards) && shards >= 1)) {
    report({ object: indexSet, at: "/spec/replicas" }, "loupe-index must be a StatefulSet with replicas >= 1 (the shard count)");
    return;
  }
  if (envValue(indexSet, indexContainer, "LOUPE_SHARD_ID").fieldPath !== POD_INDEX_FIELD) {
    report(at(indexSet), `LOUPE_SHARD_ID must come from the downward API field ${POD_INDEX_FIELD}`);
  }
  const headless = byKind("Service").find((s) => s.metadata.name === indexSet.spec.serviceName);
  const listen = envValue(indexSet, indexContainer, "LOUPE_LISTEN").value;
  const port = listen === undefined ? undefined : Number(listen.split(":").pop());
  if (!headless || headless.spec.clusterIP !== "None") {
    report({ object: indexSet, at: "/spec/serviceName" }, "must name a headless Service (clusterIP: None)");
  } else if (!(headless.spec.ports || []).some((p) => p.port === port)) {
    report({ object: headless, at: "/spec/ports" }, `must expose the shards' port ${port} (LOUPE_LISTEN of loupe-index)`);
  }
  if (port === undefined) report(at(indexSet), "loupe-index must set LOUPE_LISTEN (its default port depends on the shard id)");
  const expected = Array.from({ length: shards },
    (_, i) => `${indexSet.metadata.name}-${i}.${indexSet.spec.serviceName}:${port}`).join(",");
  for (const program of ["loupe-index", "loupe-ingest", "loupe-query"]) {
    const found = containersRunning(program);
    if (found.length === 0) report({ object: { kind: "-", metadata: { name: "-" } }, at: "" }, `no workload runs ${program}`);
    for (const { workload, container } of found) {
      const count = envValue(workload, container, "LOUPE_SHARD_COUNT").value;
      if (count !== String(shards)) {
        report(at(workload), `LOUPE_SHARD_COUNT=${count} but loupe-index has replicas: ${shards}`);
      }
      if (program === "loupe-index") continue;
      const addresses = envValue(workload, container, "LOUPE_INDEX_ADDRESSES").value;
      if (addresses !== expected) {
        const n = addresses === undefined ? 0 : addresses.split(",").length;
        report(at(workload), `LOUPE_INDEX_ADDRESSES names ${n} shard(s) "${addresses}"; ` +
          `expected ${shards}: "${expected}"`);
      }
      if (program === "loupe-ingest" && workload.spec.replicas !== 1) {
        report({ object: workload, at: "/spec/replicas" }, "loupe-ingest must have exactly 1 replica (single writer)");
      }
    }
  }
}

// ------------------------------------------------------------------- main

async function validateFile(file, binDir) {
  const problems = [];
  const report = ({ object, at }, message) =>
    problems.push(`${file}: ${object.kind}/${object.metadata?.name}: ${at || "/"}: ${message}`);
  const documents = parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true });
  const objects = [];
  for (const doc of documents) {
    for (const e of doc.errors) problems.push(`${file}: YAML: ${e.message}`);
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    if (!isPlainObject(object) || !object.kind || !object.apiVersion || !object.metadata?.name) {
      problems.push(`${file}: an object lacks apiVersion, kind or metadata.name`);
      continue;
    }
    objects.push(object);
    const Model = await modelFor(object.apiVersion, object.kind);
    if (!Model) {
      report({ object, at: "/apiVersion" }, `no Kubernetes schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    for (const e of schemaErrors(Model, object)) {
      report({ object, at: e.instancePath }, e.message);
    }
    for (const at of unknownFields(Model, object)) report({ object, at }, "unknown field");
  }
  if (objects.length === 0) problems.push(`${file}: no Kubernetes objects`);
  else if (problems.length === 0) checkCluster(objects, report, binDir);
  return { problems, count: objects.length };
}

async function main(argv) {
  let binDir = null;
  const files = [];
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === "--bin") binDir = argv[++i];
    else if (argv[i].startsWith("--")) { console.error(`unknown option ${argv[i]}`); return 2; }
    else files.push(argv[i]);
  }
  if (files.length === 0 || (argv.includes("--bin") && !binDir)) {
    console.error("usage: node validate.mjs [--bin DIR] RENDERED.yaml...");
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    const { problems, count } = await validateFile(file, binDir);
    for (const p of problems) console.error(p);
    if (problems.length > 0) failed += 1;
    console.log(`${problems.length === 0 ? "valid  " : "INVALID"} ${file}: ${count} objects, ` +
      `${problems.length} problem(s)${binDir ? "" : " (flag names not checked: no --bin)"}`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
