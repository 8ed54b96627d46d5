// Writes docs/configuration.md from the configuration's schema (`npm run docs:config`); a unit test keeps them equal.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTIONS, settingsBySection, type SettingDoc } from '../src/config-schema';

/** Where the generated reference lives, from the repository's root. */
export const CONFIGURATION_DOC = join('docs', 'configuration.md');

/** A table cell: one line, with the table's separator escaped. */
function cell(markdown: string): string {
  return markdown.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

/** A paragraph wrapped at `width` characters, as the other docs are. */
function wrap(paragraph: string, width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return line === '' ? lines : [...lines, line];
}

function row(setting: SettingDoc): string {
  return `| \`${setting.name}\` | ${cell(setting.default)} | ${cell(setting.range)} | ${cell(setting.meaning)} |`;
}

/** The configuration reference, in Markdown. */
export function renderConfigurationDoc(): string {
  const lines = [
    '<!-- Generated from src/config-schema.ts by `npm run docs:config`: edit the schema, not this file. -->',
    '',
    '# Configuration',
    '',
    'Every process reads these environment variables once, at start, through the schema in',
    '`src/config-schema.ts` (the CLI too). An empty variable counts as unset. A bad value stops the process with',
    'one line naming the variable; the CLI exits 2.',
  ];
  for (const { id, settings } of settingsBySection()) {
    if (settings.length === 0) continue;
    lines.push('', `## ${SECTIONS[id].title}`, '', ...wrap(SECTIONS[id].note), '');
    lines.push('| variable | default | allowed | meaning |', '| --- | --- | --- | --- |');
    lines.push(...settings.map(row));
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  writeFileSync(join(__dirname, '..', CONFIGURATION_DOC), renderConfigurationDoc());
  process.stdout.write(`wrote ${CONFIGURATION_DOC}\n`);
}
