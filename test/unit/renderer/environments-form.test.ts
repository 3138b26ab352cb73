// The environments editor's model: variable rows, their checks, and changes to Environments.
import { describe, expect, test } from 'vitest';
import type { Environments } from '../../../shared/api.ts';
import {
  activeValues, addEnvironment, environmentNameProblem, removeEnvironment, rowsOf, rowsToValues, setActiveEnvironment, setVariables,
} from '../../../renderer/src/saved/environmentsForm.ts';

const environments: Environments = { active: 'dev', environments: { dev: { host: 'localhost', user: 'ada' }, prod: { host: 'example.com' } } };

describe('variable rows', () => {
  test('round-trip, skipping rows left blank and trimming names', () => {
    expect(rowsOf({ a: '1', b: '' })).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '' }]);
    expect(rowsToValues([{ key: ' a ', value: ' 1 ' }, { key: '', value: '' }, { key: 'b.c-d_e', value: '' }])).toEqual({ values: { a: ' 1 ', 'b.c-d_e': '' } });
  });

  test('say which row is wrong and why', () => {
    expect(rowsToValues([{ key: 'ok', value: '1' }, { key: '', value: 'orphan' }])).toEqual({ problem: expect.stringMatching(/Row 2 has a value but no name/), row: 1 });
    expect(rowsToValues([{ key: '1abc', value: '' }])).toEqual({ problem: expect.stringMatching(/not a variable name/), row: 0 });
    expect(rowsToValues([{ key: 'has space', value: '' }])).toHaveProperty('row', 0);
    expect(rowsToValues([{ key: '$uuid', value: '' }])).toHaveProperty('row', 0);
    expect(rowsToValues([{ key: 'x'.repeat(101), value: '' }])).toHaveProperty('row', 0);
    expect(rowsToValues([{ key: 'a', value: '1' }, { key: 'a', value: '2' }])).toEqual({ problem: expect.stringMatching(/set twice/), row: 1 });
  });
});

describe('environments', () => {
  test('a new name must be given, short enough and unused', () => {
    expect(environmentNameProblem(environments, ' ')).toMatch(/Name the environment/);
    expect(environmentNameProblem(environments, 'prod')).toMatch(/already/);
    expect(environmentNameProblem(environments, 'x'.repeat(201))).toMatch(/at most 200/);
    expect(environmentNameProblem(environments, ' staging ')).toBeNull();
  });

  test('adding makes the new, empty environment the active one', () => {
    expect(addEnvironment(environments, ' staging ')).toEqual({ active: 'staging', environments: { ...environments.environments, staging: {} } });
  });

  test('removing the active environment leaves none active; removing another keeps it', () => {
    expect(removeEnvironment(environments, 'dev')).toEqual({ active: null, environments: { prod: { host: 'example.com' } } });
    expect(removeEnvironment(environments, 'prod')).toEqual({ active: 'dev', environments: { dev: environments.environments.dev } });
  });

  test('choosing and setting variables change only that, never the value given', () => {
    expect(setActiveEnvironment(environments, 'prod').active).toBe('prod');
    expect(setVariables(environments, 'prod', { host: 'b' }).environments).toEqual({ dev: environments.environments.dev, prod: { host: 'b' } });
    expect(environments.environments.prod).toEqual({ host: 'example.com' });
    expect(environments.active).toBe('dev');
  });

  test('activeValues are the active environment’s, or none', () => {
    expect(activeValues(environments)).toEqual({ host: 'localhost', user: 'ada' });
    expect(activeValues({ ...environments, active: null })).toEqual({});
    expect(activeValues(null)).toBe(activeValues({ active: null, environments: {} }));
  });
});
