// tests/k8s/validate.mjs: checks rendered Kubernetes manifests (the output
// of `kubectl kustomize`) against the Kubernetes and Argo CD schemas of the
// npm packages kubernetes-models and @kubernetes-models/argo-cd, and against
// folio's deployment rules. Run by tests/k8s/check; prints one TAP-like line
// per object ("ok - ..." / "not ok - ...", problems as "#   [rule] ...").
//
// usage: node validate.mjs --modules DIR [--repo DIR] [--extract DIR] FILE...
//        node validate.mjs --modules DIR [--repo DIR] --expect-fail FILE...
//
// Every FILE is one YAML stream, checked as a whole (a Service is matched
// with the pods of the same file). With --expect-fail, each FILE is a bad
// fixture whose "# expect: RULE" line names the rule it breaks (and
// "# expect-message: TEXT" a piece of the message): it passes when the
// validator reports exactly that rule, proving the rule can fail.
//
// Rules:
//   no-schema         apiVersion/kind has no model in the packages
//   schema            the object breaks its schema (types, required fields)
//   unknown-field     a field the schema does not know (a typo the API
//                     server would drop)
//   security-context  a container without the full restricted context
//   image-pin         an image tagged latest, or with no tag or digest
//   probe-port        a probe (or lifecycle hook) on a port the container
//                     does not declare, by number or by name
//   service-port      a Service whose targetPort no selected pod declares
//   foliod-config     foliod's config (from its ConfigMap) listens on a
//                     loopback address or a port the container does not
//                     declare, so the probes would hit a closed port
//   service-account-token  a pod that mounts a service account token
//   resources         a container without cpu/memory requests and a
//                     memory limit
//   argocd-app        an Application without automated sync, prune and
//                     self-heal, or whose path is not a kustomization here

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

// foliod's fixed facts (see the Dockerfile and k8s/base).
const FOLIOD_UID = 1001;
const FOLIOD_GID = 1001;
const FOLIOD_CONF_DIR = "/etc/foliod";
const FOLIOD_CONF_KEY = "foliod.conf";
// What foliod listens on when foliod.conf does not say (foliod.conf(5)).
const FOLIOD_DEFAULTS = { listen: "127.0.0.1:8080", admin_listen: "127.0.0.1:9090" };

// API groups whose models live outside kubernetes-models.
const GROUP_PACKAGES = { "argoproj.io": "@kubernetes-models/argo-cd" };

const POD_TEMPLATE_KINDS = new Set([
	"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
	"ReplicationController", "Job",
]);

function usage() {
	process.stderr.write("usage: node validate.mjs --modules DIR [--repo DIR] " +
	    "[--extract DIR | --expect-fail] FILE...\n");
	process.exit(2);
}

function parseArgs(argv) {
	const opts = { modules: null, repo: resolve(HERE, "../.."), extract: null,
	    expectFail: false, files: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === "--modules" && i + 1 < argv.length)
			opts.modules = resolve(argv[++i]);
		else if (a === "--repo" && i + 1 < argv.length)
			opts.repo = resolve(argv[++i]);
		else if (a === "--extract" && i + 1 < argv.length)
			opts.extract = resolve(argv[++i]);
		else if (a === "--expect-fail")
			opts.expectFail = true;
		else if (a.startsWith("--"))
			usage();
		else
			opts.files.push(a);
	}
	if (opts.modules === null)
		opts.modules = [join(HERE, "node_modules"),
		    resolve(HERE, "../../build/k8s/npm/node_modules")].find(existsSync);
	if (!opts.modules || opts.files.length === 0)
		usage();
	return opts;
}

const opts = parseArgs(process.argv.slice(2));

// Modules are imported by file path, so that node_modules may live anywhere
// (tests/k8s/check installs them under build/).
async function importModule(rel) {
	return import(pathToFileURL(join(opts.modules, rel)).href);
}

const YAML = await importModule("yaml/dist/index.js");

// The model class for apiVersion/kind, or null.
const modelCache = new Map();
async function modelFor(apiVersion, kind) {
	if (typeof apiVersion !== "string" || typeof kind !== "string" ||
	    !/^[A-Za-z0-9]+$/.test(kind))
		return null;
	const key = `${apiVersion} ${kind}`;
	if (modelCache.has(key))
		return modelCache.get(key);
	const slash = apiVersion.indexOf("/");
	const group = slash === -1 ? "" : apiVersion.slice(0, slash);
	const pkg = GROUP_PACKAGES[group] ?? "kubernetes-models";
	const rel = join(pkg, apiVersion, `${kind}.js`);
	let cls = null;
	if (existsSync(join(opts.modules, rel))) {
		const mod = await importModule(rel);
		const c = mod[kind];
		// Only top-level resources carry apiVersion/kind of their own.
		if (c && c.apiVersion === apiVersion && c.kind === kind)
			cls = c;
	}
	modelCache.set(key, cls);
	return cls;
}

function validationMessages(model) {
	try {
		model.validate();
		return [];
	} catch (e) {
		return [e.message];
	}
}

// Fields the schema does not know. The compiled validators ignore unknown
// properties, so each field is probed: set to NaN (which no typed schema
// accepts), a known field makes validation fail, an unknown one does not.
function unknownFields(model) {
	const found = [];
	const walk = (node, path) => {
		if (Array.isArray(node)) {
			node.forEach((v, i) => walk(v, `${path}[${i}]`));
			return;
		}
		if (node === null || typeof node !== "object")
			return;
		for (const k of Object.keys(node)) {
			const saved = node[k];
			const here = path ? `${path}.${k}` : k;
			node[k] = NaN;
			let known = false;
			try {
				model.validate();
			} catch {
				known = true;
			}
			node[k] = saved;
			if (known)
				walk(saved, here);
			else
				found.push(here);
		}
	};
	walk(model, "");
	return found;
}

function describe(obj) {
	const m = obj?.metadata ?? {};
	const ns = m.namespace ? `${m.namespace}/` : "";
	return `${obj?.kind ?? "?"} ${ns}${m.name ?? "?"}`;
}

// The pod template of a workload: { spec, labels, path } or null.
function podOf(obj) {
	const s = obj?.spec;
	if (!s)
		return null;
	if (obj.kind === "Pod")
		return { spec: s, labels: obj.metadata?.labels ?? {}, path: "spec" };
	if (POD_TEMPLATE_KINDS.has(obj.kind) && s.template?.spec)
		return { spec: s.template.spec, labels: s.template.metadata?.labels ?? {},
		    path: "spec.template.spec" };
	if (obj.kind === "CronJob" && s.jobTemplate?.spec?.template?.spec)
		return { spec: s.jobTemplate.spec.template.spec,
		    labels: s.jobTemplate.spec.template.metadata?.labels ?? {},
		    path: "spec.jobTemplate.spec.template.spec" };
	return null;
}

function containersOf(pod) {
	const out = [];
	for (const field of ["initContainers", "containers", "ephemeralContainers"])
		for (const c of pod.spec[field] ?? [])
			out.push({ c, where: `${field === "containers" ? "container" :
			    field.replace(/Containers$/, "Container")} ${c.name}` });
	return out;
}

// "registry:5000/folio/foliod:1.2@sha256:..." -> { repo, tag, digest }
function parseImage(image) {
	let ref = image, digest = null;
	const at = ref.indexOf("@");
	if (at !== -1) {
		digest = ref.slice(at + 1);
		ref = ref.slice(0, at);
	}
	const slash = ref.lastIndexOf("/");
	const colon = ref.lastIndexOf(":");
	const tag = colon > slash ? ref.slice(colon + 1) : null;
	const repo = colon > slash ? ref.slice(0, colon) : ref;
	return { repo, tag, digest };
}

function isFoliod(c) {
	if (c.name === "foliod")
		return true;
	if (typeof c.image !== "string")
		return false;
	return parseImage(c.image).repo.split("/").pop() === "foliod";
}

function checkImage(c, where, problem) {
	if (typeof c.image !== "string" || c.image === "") {
		problem("image-pin", `${where}: no image`);
		return;
	}
	const { tag, digest } = parseImage(c.image);
	if (digest !== null && !/^sha256:[0-9a-f]{64}$/.test(digest))
		problem("image-pin", `${where}: image ${c.image}: malformed digest`);
	if (tag === "latest")
		problem("image-pin", `${where}: image ${c.image}: tag latest is not a pin`);
	else if (tag === null && digest === null)
		problem("image-pin", `${where}: image ${c.image}: no tag or digest`);
}

function checkSecurity(pod, c, where, problem) {
	const psc = pod.spec.securityContext ?? {};
	const sc = c.securityContext ?? {};
	const eff = (k) => (sc[k] !== undefined ? sc[k] : psc[k]);
	const bad = (what) => problem("security-context", `${where}: ${what}`);

	if (eff("runAsNonRoot") !== true)
		bad("runAsNonRoot is not true");
	for (const [k, want] of [["runAsUser", FOLIOD_UID], ["runAsGroup", FOLIOD_GID]]) {
		const v = eff(k);
		if (!Number.isInteger(v) || v === 0)
			bad(`${k} is ${v === undefined ? "not set" : v}, not a non-root id`);
		else if (isFoliod(c) && v !== want)
			bad(`${k} is ${v}, foliod runs as ${want}`);
	}
	if (sc.allowPrivilegeEscalation !== false)
		bad("allowPrivilegeEscalation is not false");
	if (sc.privileged === true)
		bad("privileged is true");
	if (sc.readOnlyRootFilesystem !== true)
		bad("readOnlyRootFilesystem is not true");
	const caps = sc.capabilities ?? {};
	if (!(caps.drop ?? []).includes("ALL"))
		bad("capabilities do not drop ALL");
	if ((caps.add ?? []).length > 0)
		bad(`capabilities add ${caps.add.join(",")}`);
	const seccomp = eff("seccompProfile");
	if (seccomp?.type !== "RuntimeDefault")
		bad(`seccompProfile is ${seccomp?.type ?? "not set"}, not RuntimeDefault`);
}

function checkPodLevel(obj, pod, problem) {
	const psc = pod.spec.securityContext ?? {};
	for (const k of ["hostNetwork", "hostPID", "hostIPC"])
		if (pod.spec[k] === true)
			problem("security-context", `pod: ${k} is true`);
	const hasFoliod = containersOf(pod).some(({ c }) => isFoliod(c));
	if (hasFoliod && psc.fsGroup !== FOLIOD_GID)
		problem("security-context",
		    `pod: fsGroup is ${psc.fsGroup ?? "not set"}, foliod's volumes need ${FOLIOD_GID}`);
	if (pod.spec.automountServiceAccountToken !== false)
		problem("service-account-token",
		    "pod: automountServiceAccountToken is not false");
}

function declaresPort(c, port) {
	const ports = c.ports ?? [];
	if (typeof port === "number")
		return ports.some((p) => p.containerPort === port);
	if (typeof port === "string" && /^[0-9]+$/.test(port))
		return ports.some((p) => p.containerPort === Number(port));
	return ports.some((p) => p.name === port);
}

function checkProbes(c, where, problem) {
	const handlers = [];
	for (const p of ["livenessProbe", "readinessProbe", "startupProbe"])
		if (c[p])
			handlers.push([p, c[p]]);
	for (const h of ["postStart", "preStop"])
		if (c.lifecycle?.[h])
			handlers.push([`lifecycle.${h}`, c.lifecycle[h]]);
	for (const [name, h] of handlers) {
		const port = h.httpGet?.port ?? h.tcpSocket?.port ?? h.grpc?.port;
		if (port === undefined)
			continue;
		if (!declaresPort(c, port))
			problem("probe-port",
			    `${where}: ${name} port ${port} is not a declared containerPort`);
	}
}

function checkResources(c, where, problem) {
	const r = c.resources ?? {};
	for (const [k, v] of [["requests.cpu", r.requests?.cpu],
	    ["requests.memory", r.requests?.memory], ["limits.memory", r.limits?.memory]])
		if (v === undefined)
			problem("resources", `${where}: no ${k}`);
}

// The foliod.conf a pod mounts at /etc/foliod: { name, text } or a reason.
function foliodConfig(obj, pod, c, objects) {
	const ns = obj.metadata?.namespace;
	for (const m of c.volumeMounts ?? []) {
		const direct = m.mountPath === FOLIOD_CONF_DIR && !m.subPath;
		const file = m.mountPath === `${FOLIOD_CONF_DIR}/${FOLIOD_CONF_KEY}` &&
		    m.subPath === FOLIOD_CONF_KEY;
		if (!direct && !file)
			continue;
		const vol = (pod.spec.volumes ?? []).find((v) => v.name === m.name);
		const name = vol?.configMap?.name;
		if (!name)
			return { reason: `${m.mountPath} is not a ConfigMap volume` };
		const cm = objects.find((o) => o?.kind === "ConfigMap" &&
		    o.metadata?.name === name && o.metadata?.namespace === ns);
		if (!cm)
			return { reason: `ConfigMap ${name} is not in the rendered output` };
		const text = cm.data?.[FOLIOD_CONF_KEY];
		if (typeof text !== "string")
			return { reason: `ConfigMap ${name} has no key ${FOLIOD_CONF_KEY}` };
		return { name, text };
	}
	return { reason: `nothing is mounted at ${FOLIOD_CONF_DIR}` };
}

// foliod.conf is INI with top-level keys only; "#" or ";" start a comment.
function parseConf(text) {
	const conf = {};
	for (const raw of text.split("\n")) {
		const line = raw.trim();
		if (line === "" || line.startsWith("#") || line.startsWith(";"))
			continue;
		const eq = line.indexOf("=");
		if (eq !== -1)
			conf[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
	}
	return conf;
}

// "host:port", "[v6]:port", "*:port" -> { host, port } or null.
function parseAddr(addr) {
	const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(addr);
	return m ? { host: m[1] ?? m[2], port: Number(m[3]) } : null;
}

function isLoopback(host) {
	return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function checkFoliodConfig(obj, pod, c, where, objects, problem, extracted) {
	const found = foliodConfig(obj, pod, c, objects);
	if (found.reason) {
		problem("foliod-config", `${where}: no foliod.conf: ${found.reason}`);
		return;
	}
	extracted.push(found);
	const conf = parseConf(found.text);
	for (const key of ["listen", "admin_listen"]) {
		const value = conf[key] ?? FOLIOD_DEFAULTS[key];
		const addr = parseAddr(value);
		if (!addr) {
			problem("foliod-config", `${where}: ${key} = ${value}: not host:port`);
			continue;
		}
		if (isLoopback(addr.host))
			problem("foliod-config", `${where}: ${key} = ${value}: loopback, ` +
			    "unreachable from the kubelet and the Service");
		if (!declaresPort(c, addr.port))
			problem("foliod-config", `${where}: ${key} = ${value}: port ` +
			    `${addr.port} is not a declared containerPort`);
	}
}

function selects(selector, labels) {
	const keys = Object.keys(selector ?? {});
	return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

function checkService(svc, objects, problem) {
	if (!svc.spec?.selector)
		return;
	const ns = svc.metadata?.namespace;
	const pods = objects.map((o) => (o?.metadata?.namespace === ns ? podOf(o) : null))
	    .filter((p) => p && selects(svc.spec.selector, p.labels));
	if (pods.length === 0) {
		problem("service-port", "selects no pod in this output");
		return;
	}
	for (const p of svc.spec.ports ?? []) {
		const target = p.targetPort ?? p.port;
		const ok = pods.some((pod) => (pod.spec.containers ?? [])
		    .some((c) => declaresPort(c, target)));
		if (!ok)
			problem("service-port",
			    `port ${p.name ?? p.port}: targetPort ${target} is not declared by the selected pods`);
	}
}

function checkApplication(app, problem) {
	const auto = app.spec?.syncPolicy?.automated;
	if (!auto)
		problem("argocd-app", "syncPolicy.automated is not set");
	else {
		if (auto.prune !== true)
			problem("argocd-app", "syncPolicy.automated.prune is not true");
		if (auto.selfHeal !== true)
			problem("argocd-app", "syncPolicy.automated.selfHeal is not true");
	}
	const sources = app.spec?.sources ?? (app.spec?.source ? [app.spec.source] : []);
	for (const s of sources) {
		if (typeof s.path !== "string")
			continue;
		const dir = join(opts.repo, s.path);
		const ok = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
		    .some((f) => existsSync(join(dir, f)));
		if (!ok)
			problem("argocd-app", `source.path ${s.path} is not a kustomization in this repository`);
	}
}

// Checks one YAML stream; returns { results: [{ name, problems }], extracted }.
async function checkFile(file) {
	const text = readFileSync(file, "utf8");
	const docs = YAML.parseAllDocuments(text);
	const results = [];
	const extracted = [];
	const objects = [];
	for (const d of docs) {
		if (d.errors.length > 0) {
			results.push({ name: "YAML", problems: d.errors.map((e) => ({
			    rule: "schema", msg: e.message.split("\n")[0] })) });
			continue;
		}
		const o = d.toJS();
		if (o !== null && o !== undefined)
			objects.push(o);
	}
	for (const obj of objects) {
		const problems = [];
		const problem = (rule, msg) => problems.push({ rule, msg });
		results.push({ name: describe(obj), problems });

		const Model = await modelFor(obj.apiVersion, obj.kind);
		if (!Model) {
			problem("no-schema", `no schema for apiVersion ${obj.apiVersion}, kind ${obj.kind}`);
			continue;
		}
		const model = new Model(obj);
		const msgs = validationMessages(model);
		for (const m of msgs)
			problem("schema", m);
		if (msgs.length === 0)
			for (const f of unknownFields(model))
				problem("unknown-field", `${f}: not in the ${obj.kind} schema`);

		const pod = podOf(obj);
		if (pod) {
			checkPodLevel(obj, pod, problem);
			for (const { c, where } of containersOf(pod)) {
				checkSecurity(pod, c, where, problem);
				checkImage(c, where, problem);
				checkProbes(c, where, problem);
				checkResources(c, where, problem);
				if (isFoliod(c))
					checkFoliodConfig(obj, pod, c, where, objects, problem, extracted);
			}
		}
		if (obj.kind === "Service")
			checkService(obj, objects, problem);
		if (obj.kind === "Application" && obj.apiVersion?.startsWith("argoproj.io/"))
			checkApplication(obj, problem);
	}
	return { results, extracted };
}

function printProblems(problems) {
	for (const p of problems)
		console.log(`#   [${p.rule}] ${p.msg}`);
}

// The rules and message pieces a bad fixture says it breaks.
function expectations(file) {
	const text = readFileSync(file, "utf8");
	const rules = [...text.matchAll(/^# expect: *([a-z-]+) *$/gm)].map((m) => m[1]);
	const messages = [...text.matchAll(/^# expect-message: *(.+?) *$/gm)].map((m) => m[1]);
	return { rules, messages };
}

let failed = 0;
for (const file of opts.files) {
	const label = basename(dirname(file)) + "/" + basename(file);
	if (!existsSync(file) || !statSync(file).isFile()) {
		console.log(`not ok - ${label}: no such file`);
		failed++;
		continue;
	}
	const { results, extracted } = await checkFile(file);
	if (opts.expectFail) {
		const want = expectations(file);
		const all = results.flatMap((r) => r.problems);
		const got = [...new Set(all.map((p) => p.rule))].sort();
		const wantRules = [...new Set(want.rules)].sort();
		const missing = want.messages.filter((m) => !all.some((p) => p.msg.includes(m)));
		const okay = wantRules.length > 0 && got.join(",") === wantRules.join(",") &&
		    missing.length === 0;
		if (okay) {
			console.log(`ok - ${label}: fails with [${got.join(", ")}] as it should`);
		} else {
			failed++;
			console.log(`not ok - ${label}: expected [${wantRules.join(", ")}]` +
			    (want.messages.length ? ` with "${want.messages.join("\", \"")}"` : "") +
			    `, got [${got.join(", ")}]`);
			printProblems(all);
		}
		continue;
	}
	if (results.length === 0) {
		console.log(`not ok - ${label}: no objects`);
		failed++;
	}
	for (const r of results) {
		if (r.problems.length === 0) {
			console.log(`ok - ${label}: ${r.name}`);
		} else {
			failed++;
			console.log(`not ok - ${label}: ${r.name}`);
			printProblems(r.problems);
		}
	}
	if (opts.extract)
		for (const { name, text } of extracted) {
			mkdirSync(opts.extract, { recursive: true });
			const stem = basename(file).replace(/\.ya?ml$/, "");
			writeFileSync(join(opts.extract, `${stem}.${name}.conf`), text);
		}
}
process.exit(failed > 0 ? 1 : 0);
