// The OpenSubsonic schemas (JSON Schema, for the JSON form) applied to both
// forms of an answer. The JSON form is validated as it is. The XML form has
// no published schema, so it is read back into the JSON form the Subsonic
// convention defines, guided by the same schema, and validated the same way:
//   <subsonic-response>          the "subsonic-response" object
//   an attribute                 a property, its text read as the schema's
//                                type (boolean, integer, number or string)
//   a child element              a property: an object, or an array's item
//                                when the schema has an array (an array the
//                                schema requires and no element gives is [])
//   an element's text            its "value" property (Genre, Lyrics, ...)
//   an element of a scalar array its text, as the item's type
// Everything answered must be a property the schema knows, in either form:
// JSON Schema would let strays through, but an XML attribute the schema does
// not know has no type to be read as.
import $RefParser from "@apidevtools/json-schema-ref-parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { SaxesParser } from "saxes";

const kSubsonicNamespace = "http://subsonic.org/restapi";

// The schemas of one schema directory (README.md there): the answer schema
// of every operation, dereferenced (ajv compiles each once, on first use).
export class OpenSubsonicSchemas {
  static async load(dir) {
    const self = new OpenSubsonicSchemas();
    const api = await $RefParser.dereference(`${dir}/openapi.json`);
    self.generic = api.paths["/rest/ping"].get.responses["200"].content["application/json"].schema;
    const [success, failure] = self.generic.properties["subsonic-response"].oneOf;
    self.operations = new Map();  // name -> the JSON answer's schema, or null for a binary answer
    for (const [path, item] of Object.entries(api.paths)) {
      const response = (item.get ?? item.post).responses["200"];
      let schema = response.content?.["application/json"]?.schema ?? null;
      // One schema (getTranscodeDecision's) describes only the payload: put
      // it in the envelope every answer has.
      if (schema && !("subsonic-response" in (flat(schema).properties ?? {}))) {
        const envelope = { oneOf: [{ allOf: [success, schema] }, failure] };
        schema = { type: "object", properties: { "subsonic-response": envelope } };
      }
      self.operations.set(path.replace(/^\/rest\//, ""), schema);
    }
    self.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(self.ajv);
    return self;
  }

  // The schema a whole answer of `op` is checked against: the endpoint's,
  // or for a binary endpoint the envelope's (it answers in JSON or XML only
  // to fail).
  schemaOf(op) {
    if (!this.operations.has(op)) throw new Error(`no operation ${op} in the schemas`);
    return this.operations.get(op) ?? this.generic;
  }

  // Problems (strings) of `body`, a parsed JSON answer of `op`.
  checkJson(op, body) {
    const schema = this.schemaOf(op);
    const problems = [];
    if (!body || typeof body !== "object" || !("subsonic-response" in body))
      problems.push("no subsonic-response wrapper");
    const validate = this.ajv.compile(schema);
    if (!validate(body)) problems.push(`schema: ${this.ajv.errorsText(validate.errors).slice(0, 600)}`);
    strays(body, schema, "", problems);
    return problems;
  }

  // Reads `text`, an XML answer of `op`: { value (the JSON form, or null
  // when the XML cannot be read), problems }.
  checkXml(op, text) {
    const problems = [];
    let root;
    try {
      root = parseXml(text);
    } catch (e) {
      return { value: null, problems: [`not well-formed XML: ${e.message}`] };
    }
    if (root.name !== "subsonic-response") problems.push(`root element <${root.name}>, not <subsonic-response>`);
    walkElements(root, (el) => {
      if (el.uri !== kSubsonicNamespace) problems.push(`<${el.name}> in namespace "${el.uri}"`);
    });
    const schema = this.schemaOf(op);
    const value = { "subsonic-response": fromXml(root, flat(schema).properties["subsonic-response"], "", problems) };
    const validate = this.ajv.compile(schema);
    if (!validate(value)) problems.push(`schema: ${this.ajv.errorsText(validate.errors).slice(0, 600)}`);
    return { value, problems };
  }
}

// A schema with its allOf parts and oneOf branches (the answers' success
// and failure envelopes) merged into one: type, items, every property, and
// every name any part requires. Enough to read a value by; the validator
// checks the real thing.
function flat(schema) {
  if (!schema) return {};
  if (!schema.allOf && !schema.oneOf) return schema;
  const out = { ...schema, properties: { ...(schema.properties ?? {}) }, required: [...(schema.required ?? [])] };
  for (const part of [...(schema.allOf ?? []), ...(schema.oneOf ?? [])].map(flat)) {
    out.type ??= part.type;
    out.items ??= part.items;
    Object.assign(out.properties, part.properties ?? {});
    out.required.push(...(part.required ?? []));
  }
  return out;
}

function strays(value, schema, path, problems) {
  const s = flat(schema);
  if (Array.isArray(value)) {
    value.forEach((item, i) => strays(item, s.items, `${path}[${i}]`, problems));
  } else if (value && typeof value === "object" && s.properties) {
    for (const [key, v] of Object.entries(value)) {
      if (!(key in s.properties)) problems.push(`${path}.${key}: not a property the schema knows`);
      else strays(v, s.properties[key], `${path}.${key}`, problems);
    }
  }
}

// The document's root element as { name, uri, attributes: [[name, value]],
// text, children }; throws on anything not well-formed.
function parseXml(text) {
  const parser = new SaxesParser({ xmlns: true });
  const stack = [];
  let root = null, encoding;
  parser.on("xmldecl", (decl) => (encoding = decl.encoding));
  parser.on("opentag", (tag) => {
    const el = { name: tag.local, uri: tag.uri, attributes: [], text: "", children: [] };
    for (const a of Object.values(tag.attributes))
      if (a.prefix !== "xmlns" && a.name !== "xmlns") el.attributes.push([a.local, a.value]);
    if (stack.length) stack.at(-1).children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on("text", (t) => {
    if (stack.length) stack.at(-1).text += t;
  });
  parser.on("closetag", () => stack.pop());
  parser.write(text).close();
  if (encoding?.toUpperCase() !== "UTF-8") throw new Error(`the XML declaration has encoding "${encoding}", not UTF-8`);
  return root;
}

function walkElements(el, visit) {
  visit(el);
  for (const child of el.children) walkElements(child, visit);
}

function scalar(text, schema, path, problems) {
  switch (schema.type) {
    case "boolean":
      if (text === "true" || text === "false") return text === "true";
      break;
    case "integer":
      if (/^-?\d+$/.test(text)) return Number(text);
      break;
    case "number":
      if (text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
      break;
    case "string":
    case undefined:
      return text;
    default:
      problems.push(`${path}: the schema has an ${schema.type} where XML gives text`);
      return text;
  }
  problems.push(`${path}: "${text}" is not a ${schema.type}`);
  return text;
}

// The JSON form of element `el` by `schema` (the property it stands for).
function fromXml(el, schema, path, problems) {
  const s = flat(schema);
  if (s.type && s.type !== "object") {
    if (el.attributes.length || el.children.length) problems.push(`${path}: <${el.name}> has more than text`);
    return scalar(el.text, s, path, problems);
  }
  const props = s.properties ?? {};
  const out = {};
  const known = (name, where) => {
    if (name in props) return flat(props[name]);
    problems.push(`${where}: not a property the schema knows`);
    return {};
  };
  for (const [name, text] of el.attributes) {
    const p = known(name, `${path}.${name}`);
    if (p.type === "object" || p.type === "array")
      problems.push(`${path}.${name}: an attribute, but the schema has an ${p.type}`);
    out[name] = scalar(text, p, `${path}.${name}`, problems);
  }
  if (el.text.trim() !== "") {
    if ("value" in props) out.value = scalar(el.text, flat(props.value), `${path}.value`, problems);
    else problems.push(`${path}: text "${el.text.trim().slice(0, 40)}" where the schema has no value`);
  }
  for (const child of el.children) {
    const where = `${path}.${child.name}`;
    const p = known(child.name, where);
    if (p.type === "array") {
      if (child.name in out && !Array.isArray(out[child.name])) problems.push(`${where}: both attribute and element`);
      out[child.name] ??= [];
      out[child.name].push(fromXml(child, p.items, `${where}[${out[child.name].length}]`, problems));
    } else if (child.name in out) {
      problems.push(`${where}: repeated, but the schema has one`);
    } else {
      out[child.name] = fromXml(child, p, where, problems);
    }
  }
  for (const name of s.required ?? []) if (!(name in out) && flat(props[name]).type === "array") out[name] = [];
  return out;
}

// `value` ready to compare: empty arrays dropped (XML has no way to say
// one), the members at dotted paths `ignore` dropped, and with `unordered`
// every array sorted (a set, whatever order one answer gave).
export function comparable(value, { ignore = [], unordered = false } = {}, path = "") {
  if (Array.isArray(value)) {
    const items = value.map((v) => comparable(v, { ignore, unordered }, path));
    return unordered ? items.sort((a, b) => canonical(a).localeCompare(canonical(b))) : items;
  }
  if (!value || typeof value !== "object") return value;
  const out = {};
  for (const [key, v] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (ignore.includes(at) || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = comparable(v, { ignore, unordered }, at);
  }
  return out;
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  return JSON.stringify(value);
}

// Where `a` and `b` first differ ("" if they are equal).
export function difference(a, b, path = "") {
  if (canonical(a) === canonical(b)) return "";
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items, and ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = difference(a[key], b[key], `${path}.${key}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 200)} and ${JSON.stringify(b)?.slice(0, 200)}`;
}
