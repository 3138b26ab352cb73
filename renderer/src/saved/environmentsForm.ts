// The environments editor's model: one environment's variables as editable key/value rows, checked
// the way the engine checks them, and the whole Environments value changed one step at a time
// (add, remove, choose the active one, replace one's variables). Pure.
import type { Environments } from '../../../shared/api.ts';

export interface VariableRow {
  key: string;
  value: string;
}

/** The engine's rule for variable names (env.set). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;
const MAX_ENVIRONMENT_NAME = 200;

export function rowsOf(values: Readonly<Record<string, string>>): VariableRow[] {
  return Object.entries(values).map(([key, value]) => ({ key, value }));
}

/** The rows as variables (rows with neither key nor value are skipped), or the first problem and its row. */
export function rowsToValues(rows: readonly VariableRow[]): { values: Record<string, string> } | { problem: string; row: number } {
  const values: Record<string, string> = {};
  for (const [row, { key, value }] of rows.entries()) {
    const name = key.trim();
    if (name === '' && value === '') continue;
    if (name === '') return { problem: `Row ${row + 1} has a value but no name — name the variable or clear the row.`, row };
    if (!VARIABLE_NAME.test(name)) {
      return { problem: `“${name}” is not a variable name — start with a letter or _, then letters, digits, _ . or - (at most 100).`, row };
    }
    if (Object.hasOwn(values, name)) return { problem: `“${name}” is set twice — keep one of the rows.`, row };
    values[name] = value;
  }
  return { values };
}

export function environmentNameProblem(environments: Environments, name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Name the environment, for example “staging”.';
  if (trimmed.length > MAX_ENVIRONMENT_NAME) return `Environment names are at most ${MAX_ENVIRONMENT_NAME} characters long.`;
  if (Object.hasOwn(environments.environments, trimmed)) return `There is already an environment “${trimmed}”.`;
  return null;
}

/** A new empty environment, made the active one (the editor shows the active one's variables). */
export function addEnvironment(environments: Environments, name: string): Environments {
  const trimmed = name.trim();
  return { active: trimmed, environments: { ...environments.environments, [trimmed]: {} } };
}

/** Without the environment; when it was the active one, none is active. */
export function removeEnvironment(environments: Environments, name: string): Environments {
  const rest = { ...environments.environments };
  delete rest[name];
  return { active: environments.active === name ? null : environments.active, environments: rest };
}

export function setActiveEnvironment(environments: Environments, name: string | null): Environments {
  return { ...environments, active: name };
}

export function setVariables(environments: Environments, name: string, values: Record<string, string>): Environments {
  return { ...environments, environments: { ...environments.environments, [name]: values } };
}

const NO_VALUES: Readonly<Record<string, string>> = Object.freeze({});

/** The active environment's variables, or none (always the same object, so memoized views keep it). */
export function activeValues(environments: Environments | null): Readonly<Record<string, string>> {
  if (environments === null || environments.active === null) return NO_VALUES;
  return environments.environments[environments.active] ?? NO_VALUES;
}
