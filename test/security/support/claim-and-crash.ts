// Claims an instance id range in each claims dir as a Kiln engine would, then ends without
// releasing them (as a crashed engine does): `claim-and-crash.ts <slots> <owner> <claimsDir>...`.
import { IdSlots } from '../../../src/engine/instance/id-slots.js';

const [slots, owner, ...claimsDirs] = process.argv.slice(2);
for (const claimsDir of claimsDirs) await new IdSlots({ claimsDir, slots: Number(slots) }).claim(owner!);
process.stdout.write(`claimed ${claimsDirs.length}\n`);
process.exit(0);
