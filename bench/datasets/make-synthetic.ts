/**
 * Writes a hard generated benchmark: 20 labels with strong imbalance (the rarest about 30 times
 * rarer than the commonest) and very short texts (3–8 words) whose vocabularies overlap.
 *
 *   npx tsx bench/datasets/make-synthetic.ts [out=/tmp/synthetic.jsonl] [rows=6000] [seed=7]
 *
 * Each label owns 12 words and shares each of them with one neighbouring label, so two labels
 * can never be told apart by one shared word; every text also draws from a pool of 200 common
 * words, and a tenth of its words are typos (one letter changed), which character grams can
 * still read but word features cannot. 5 % of the rows carry a random label, which caps the
 * attainable accuracy at about 95 %.
 */
import { writeFileSync } from 'node:fs';
import { uniformFloat64 as uniformFloat } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

const OUT = process.argv[2] ?? '/tmp/synthetic.jsonl';
const ROWS = Number(process.argv[3] ?? 6000);
const SEED = Number(process.argv[4] ?? 7);
const LABELS = 20;
const OWN_WORDS = 12;
const COMMON_WORDS = 200;

const rng = xoroshiro128plus(SEED);
for (let i = 0; i < 32; i++) rng.next();
const int = (min: number, max: number) => uniformInt(rng, min, max);
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
const chance = (p: number) => uniformFloat(rng) < p;

const CONSONANTS = 'bcdfghjklmnprstvz';
const VOWELS = 'aeiou';
const used = new Set<string>();
function word(): string {
  for (;;) {
    let out = '';
    for (let s = 0, syllables = int(2, 3); s < syllables; s++) out += pick([...CONSONANTS]) + pick([...VOWELS]);
    if (chance(0.5)) out += pick([...CONSONANTS]);
    if (!used.has(out)) {
      used.add(out);
      return out;
    }
  }
}

const common = Array.from({ length: COMMON_WORDS }, word);
const own = Array.from({ length: LABELS }, () => Array.from({ length: OWN_WORDS }, word));
// Label k also uses the first third of label k+1's words, so neighbours overlap.
const vocabulary = own.map((words, k) => [...words, ...(own[(k + 1) % LABELS] ?? []).slice(0, OWN_WORDS / 3)]);
const names = Array.from({ length: LABELS }, (_, k) => `topic_${String(k).padStart(2, '0')}`);
// Geometric class sizes from 1 down to 1/30.
const weights = names.map((_, k) => 30 ** (-k / (LABELS - 1)));
const total = weights.reduce((a, b) => a + b, 0);

function typo(text: string): string {
  const at = int(0, text.length - 1);
  return text.slice(0, at) + pick([...'abcdefghijklmnopqrstuvwxyz']) + text.slice(at + 1);
}

function draw(): number {
  let x = uniformFloat(rng) * total;
  for (let k = 0; k < LABELS; k++) {
    x -= weights[k] ?? 0;
    if (x <= 0) return k;
  }
  return LABELS - 1;
}

const lines: string[] = [];
const counts = new Array<number>(LABELS).fill(0);
for (let i = 0; i < ROWS; i++) {
  const k = draw();
  const length = int(3, 8);
  const words: string[] = [];
  // One or two label words; the rest common words.
  const signal = int(1, 2);
  for (let w = 0; w < length; w++) {
    let next = w < signal ? pick(vocabulary[k] ?? []) : pick(common);
    if (chance(0.1)) next = typo(next);
    words.push(next);
  }
  for (let w = words.length - 1; w > 0; w--) {
    const j = int(0, w);
    [words[w], words[j]] = [words[j] ?? '', words[w] ?? ''];
  }
  const label = chance(0.05) ? int(0, LABELS - 1) : k;
  counts[label]!++;
  lines.push(JSON.stringify({ text: words.join(' '), label: names[label] }));
}
writeFileSync(OUT, `${lines.join('\n')}\n`);
console.log(`${OUT}: ${lines.length} rows, ${LABELS} labels, sizes ${counts.join(' ')}`);
