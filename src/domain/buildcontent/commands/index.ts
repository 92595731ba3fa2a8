import type { Keyword } from '../types.js';
import { parseComponent } from './component.js';
import type { CommandParser } from './context.js';
import { parseCopy } from './copy.js';
import { parseEnv, parseLabel } from './env-label.js';
import { parseFrom } from './from.js';
import { parseRestart } from './restart.js';
import { parseRun } from './run.js';
import { startupParser } from './startup.js';
import { parseUser } from './user.js';
import { parseWorkdir } from './workdir.js';

export type { CommandContext, CommandParser } from './context.js';

/** The supported keywords; anything else (ADD, ARG, lowercase `run`, …) is not supported. */
export const COMMAND_PARSERS: Readonly<Record<Keyword, CommandParser>> = {
  RUN: parseRun,
  ENV: parseEnv,
  WORKDIR: parseWorkdir,
  COPY: parseCopy,
  USER: parseUser,
  LABEL: parseLabel,
  CMD: startupParser('CMD'),
  ENTRYPOINT: startupParser('ENTRYPOINT'),
  RESTART: parseRestart,
  FROM: parseFrom,
  COMPONENT: parseComponent,
};

export function isKeyword(word: string): word is Keyword {
  return Object.hasOwn(COMMAND_PARSERS, word);
}
