import { groupMarker } from '../../../src/web/app/log-groups';

describe('groupMarker', () => {
  test.each([
    ['::group::Install deps', { kind: 'start', title: 'Install deps', open: false }],
    ['::endgroup::', { kind: 'end' }],
    ['--- Build', { kind: 'start', title: 'Build', open: false }],
    ['+++ Test :rspec:', { kind: 'start', title: 'Test :rspec:', open: true }],
    ['plain line', undefined],
    ['---', undefined],
    [' --- indented', undefined],
    ['text ::group:: later', undefined],
  ])('%j', (text, expected) => {
    expect(groupMarker(text)).toEqual(expected);
  });
});
