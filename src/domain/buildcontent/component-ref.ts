import { isName } from './names.js';
import { splitWords, type Fail } from './tokens.js';
import type { ComponentRef } from './types.js';
import { isVersionPattern } from './version.js';

const ARN = /^acs:ecs:([^:]*):([^:]*):imagecomponent\/(.*)$/;
const REGION = /^[a-z0-9-]+$/;
const ACCOUNT = /^\d+$/;
// IDs are opaque (`ic-…` in practice); only refuse what cannot be an ID at all.
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Parses an ID or an ARN. The reference's syntax line puts `:` before the version
 * (`imagecomponent/<Name>:<x.y.z>`) while its examples and the SDK use `/`; both are
 * accepted. A component name may itself contain `:`, so the version is whatever follows
 * the LAST `/` or `:`. Names are otherwise not checked here: a name that cannot exist is
 * reported as not found by resolution, with the same result for the caller.
 */
export function parseComponentRef(token: string, fail: Fail): ComponentRef {
  if (!token.startsWith('acs:')) {
    if (!ID.test(token)) fail(`"${token}" is not a component ID or ARN`);
    return { kind: 'id', id: token };
  }
  const m = ARN.exec(token);
  if (!m) fail(`"${token}" is not a component ARN; expected acs:ecs:<RegionId>:<AliUid>:imagecomponent/<Name>/<x.y.z>`);
  const [, regionId = '', accountId = '', rest = ''] = m;
  if (!REGION.test(regionId)) fail(`invalid region "${regionId}" in ARN ${token}`);
  if (!ACCOUNT.test(accountId)) fail(`invalid account ID "${accountId}" in ARN ${token}`);
  const sep = Math.max(rest.lastIndexOf('/'), rest.lastIndexOf(':'));
  if (sep <= 0) fail(`ARN ${token} needs a name and a version: imagecomponent/<Name>/<x.y.z>`);
  const name = rest.slice(0, sep);
  const version = rest.slice(sep + 1);
  if (name.includes('/')) fail(`invalid component name "${name}" in ARN ${token}`);
  if (!isVersionPattern(version)) {
    fail(`invalid version "${version}" in ARN ${token}; expected <major>.<minor>.<patch>, each a number or *`);
  }
  return { kind: 'arn', regionId, accountId, name, version };
}

/**
 * Parses the arguments of a COMPONENT line: the reference, then `--name value` pairs.
 * Values may be double-quoted to hold blanks or to start with `--` (the reference does not
 * say whether quoting is supported; without it a value could never contain a blank).
 * A flag without a value, a bare word, or a repeated flag is an error.
 */
export function parseComponentArgs(args: string, fail: Fail): { ref: ComponentRef; params: Record<string, string> } {
  const words = splitWords(args, fail);
  const first = words[0];
  if (first === undefined) fail('a component ID or ARN is required');
  if (!first.quoted && first.text.startsWith('--')) fail(`a component ID or ARN must come before "${first.text}"`);
  const ref = parseComponentRef(first.text, fail);

  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (let i = 1; i < words.length; i += 2) {
    const flag = words[i]!;
    if (flag.quoted || !flag.text.startsWith('--')) fail(`unexpected "${flag.text}"; parameters are written --name value`);
    const name = flag.text.slice(2);
    if (!isName(name)) fail(`invalid parameter name "${flag.text}"`);
    if (seen.has(name)) fail(`parameter --${name} is given twice`);
    const value = words[i + 1];
    if (value === undefined || (!value.quoted && value.text.startsWith('--'))) fail(`parameter --${name} has no value`);
    seen.add(name);
    entries.push([name, value.text]);
  }
  // fromEntries defines own properties, so a parameter called `__proto__` stays data.
  return { ref, params: Object.fromEntries(entries) };
}
