// {{variables}} in saved bodies, split for highlighting as built in, set or missing.
import { describe, expect, test } from 'vitest';
import { bodySegments, variableNames } from '../../../renderer/src/saved/variables.ts';

describe('bodySegments', () => {
  test('marks each variable as set by the environment, built in, or missing', () => {
    expect(bodySegments('{"user":"{{user}}","id":"{{$uuid}}","t":{{ token }}}', { user: 'ada' })).toEqual([
      { kind: 'text', text: '{"user":"' },
      { kind: 'variable', text: '{{user}}', name: 'user', state: 'set' },
      { kind: 'text', text: '","id":"' },
      { kind: 'variable', text: '{{$uuid}}', name: '$uuid', state: 'builtin' },
      { kind: 'text', text: '","t":' },
      { kind: 'variable', text: '{{ token }}', name: 'token', state: 'missing' },
      { kind: 'text', text: '}' },
    ]);
  });

  test('a built-in with arguments is known by its first word; unknown $names are missing', () => {
    expect(bodySegments('{{$randomInt 1 6}} {{$nope}}', {})).toEqual([
      { kind: 'variable', text: '{{$randomInt 1 6}}', name: '$randomInt', state: 'builtin' },
      { kind: 'text', text: ' ' },
      { kind: 'variable', text: '{{$nope}}', name: '$nope', state: 'missing' },
    ]);
  });

  test('joining the segments gives the body back, braces that are not variables included', () => {
    for (const body of ['', 'plain', '{{a}}{{b}}', '{ {x} } {{', '}}{{a}}}}', '{{{a}}}']) {
      expect(bodySegments(body, { a: '1' }).map((segment) => segment.text).join('')).toBe(body);
    }
  });

  test('an inherited property name is not a set variable', () => {
    expect(bodySegments('{{toString}}', {})[0]).toMatchObject({ state: 'missing' });
  });
});

test('variableNames lists each name once, in order of first use', () => {
  expect(variableNames('{{b}} {{a}} {{ b }} {{$uuid}}')).toEqual(['b', 'a', '$uuid']);
  expect(variableNames('no variables {here}')).toEqual([]);
});
