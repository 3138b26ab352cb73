// {{variables}}: environment values, each built-in, variables left as written, and the JSON checks.
import { describe, expect, test } from 'vitest';
import {
  activeValues, jsonError, liveSources, renderVariables, templateJsonError, type VariableSources,
} from '../../../electron/core/replay/variables.ts';

/** 2024-03-01T12:00:00.250Z in microseconds. */
const NOW = Date.UTC(2024, 2, 1, 12, 0, 0, 250) * 1000;

function sources(values: Record<string, string> = {}, random: (min: number, max: number) => number = (min) => min): VariableSources {
  return { values, now: NOW, uuid: () => '6f1c2a7e-0d3b-4c8e-9a41-2b7d5e9f0c13', randomInt: random };
}

describe('renderVariables', () => {
  test('replaces a variable with its value from the environment, spaces inside the braces allowed', () => {
    const out = renderVariables('{"token":"{{token}}","user":"{{ user }}"}', sources({ token: 'abc', user: 'ana' }));
    expect(out).toEqual({ body: '{"token":"abc","user":"ana"}', missing: [] });
  });

  test('leaves a variable with no value as written and lists it once', () => {
    const out = renderVariables('{{a}} {{ b }} {{a}} {{c}}', sources({ c: '3' }));
    expect(out).toEqual({ body: '{{a}} {{ b }} {{a}} 3', missing: ['a', 'b'] });
  });

  test('$timestamp is whole epoch seconds', () => {
    expect(renderVariables('{{$timestamp}}', sources()).body).toBe(String(Date.UTC(2024, 2, 1, 12, 0, 0) / 1000));
  });

  test('$isoTimestamp is the ISO 8601 time with milliseconds', () => {
    expect(renderVariables('{{$isoTimestamp}}', sources()).body).toBe('2024-03-01T12:00:00.250Z');
  });

  test('$uuid takes a new value at each place it appears', () => {
    let n = 0;
    const out = renderVariables('{{$uuid}} {{$uuid}}', { ...sources(), uuid: () => `id-${++n}` });
    expect(out.body).toBe('id-1 id-2');
  });

  test('$randomInt draws from 0 to 1000, or from the bounds given (either order)', () => {
    const asked: Array<[number, number]> = [];
    const random = (min: number, max: number): number => {
      asked.push([min, max]);
      return max;
    };
    expect(renderVariables('{{$randomInt}} {{$randomInt 5 9}} {{ $randomInt  -3   -7 }}', sources({}, random)).body).toBe('1000 9 -3');
    expect(asked).toEqual([[0, 1000], [5, 9], [-7, -3]]);
  });

  test('an unknown built-in or wrong arguments stay as written and are listed', () => {
    const out = renderVariables('{{$now}} {{$randomInt 1}} {{$randomInt a b}} {{$uuid 4}}', sources());
    expect(out.body).toBe('{{$now}} {{$randomInt 1}} {{$randomInt a b}} {{$uuid 4}}');
    expect(out.missing).toEqual(['$now', '$randomInt 1', '$randomInt a b', '$uuid 4']);
  });

  test('values are put in once: a value holding braces is not rendered again', () => {
    expect(renderVariables('{{a}}', sources({ a: '{{b}}', b: 'no' }))).toEqual({ body: '{{b}}', missing: [] });
  });

  test('the live sources give v4 UUIDs and integers within the bounds, both included', () => {
    const live = liveSources({}, NOW);
    expect(live.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(live.randomInt(1, 3));
    expect([...seen].sort()).toEqual([1, 2, 3]);
    const n = Number(renderVariables('{{$randomInt}}', live).body);
    expect(Number.isInteger(n) && n >= 0 && n <= 1000).toBe(true);
  });
});

describe('environments', () => {
  test('the active environment gives the values; none active gives none', () => {
    const environments = { dev: { host: 'localhost' }, prod: { host: 'example.com' } };
    expect(activeValues({ active: 'prod', environments })).toEqual({ host: 'example.com' });
    expect(activeValues({ active: null, environments })).toEqual({});
  });
});

describe('JSON checks', () => {
  test('jsonError says why text is not JSON', () => {
    expect(jsonError('{"a":1}')).toBeNull();
    expect(jsonError('{"a":')).toMatch(/JSON/);
  });

  test('a JSON body with variables in values or strings can become JSON; broken JSON cannot', () => {
    expect(templateJsonError('{"id": {{id}}, "name": "{{ name }}", "at": {{$timestamp}}}')).toBeNull();
    expect(templateJsonError('{"id": {{id}},}')).not.toBeNull();
    expect(templateJsonError('not json {{x}}')).not.toBeNull();
  });
});
