import { describe, expect, test } from 'vitest';
import {
  parseResultDate,
  parseResultsCsv,
  RESULTS_CSV_MAX_CHARS,
  RESULTS_CSV_MAX_ROWS,
} from '../../../../shared/schemas/results-csv.ts';

describe('the results CSV: registration number, assessment, date, result', () => {
  test('a well-formed file becomes rows numbered as a spreadsheet numbers them', () => {
    const csv = [
      'Registration number,Assessment,Date,Result',
      'REG-1,Unit 1 online test,2026-03-03,Pass',
      'REG-2,"Unit 1 online test, part A",03/03/2026,Referred',
      '',
      'REG-3,Unit 2,4/3/2026,absent',
    ].join('\r\n');
    expect(parseResultsCsv(csv)).toEqual({
      rows: [
        {
          row: 2,
          registrationNumber: 'REG-1',
          assessment: 'Unit 1 online test',
          date: '2026-03-03',
          result: 'passed',
        },
        {
          row: 3,
          registrationNumber: 'REG-2',
          assessment: 'Unit 1 online test, part A',
          date: '2026-03-03',
          result: 'failed',
        },
        { row: 5, registrationNumber: 'REG-3', assessment: 'Unit 2', date: '2026-03-04', result: 'absent' },
      ],
      problems: [],
      notes: [],
    });
  });

  test('columns in any order, named loosely, other columns ignored and said so; a BOM and semicolons are fine', () => {
    const csv =
      '\ufeffResult;Candidate name;Date;Reg no;Assessment\nFAIL;Amira Hussain;2026-03-03T10:15:00Z;REG-1;Unit 1';
    const parsed = parseResultsCsv(csv);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toEqual([
      { row: 2, registrationNumber: 'REG-1', assessment: 'Unit 1', date: '2026-03-03', result: 'failed' },
    ]);
    expect(parsed.notes).toEqual(['Ignored column(s): "Candidate name".']);
  });

  test('every bad row is named with what is wrong with it, and the file is not imported', () => {
    const csv = [
      'registration number,assessment,date,result',
      'REG-1,Unit 1,31/02/2026,pass',
      ',Unit 1,2026-03-03,pass',
      'REG-3,Unit 1,2026-03-03,merit',
      'REG-4,Unit 1,03-03-26,pass',
      'REG-5,Unit 1,2026-03-03,pass',
    ].join('\n');
    const parsed = parseResultsCsv(csv);
    expect(parsed.problems).toEqual([
      {
        row: 2,
        message: 'The date "31/02/2026" is not a date (write 2026-03-03 or 03/03/2026, day first).',
      },
      { row: 3, message: 'The registration number is empty.' },
      { row: 4, message: 'The result "merit" is not one of pass, fail, referred or absent.' },
      {
        row: 5,
        message: 'The date "03-03-26" is not a date (write 2026-03-03 or 03/03/2026, day first).',
      },
    ]);
  });

  test('several problems on one row are one message', () => {
    const parsed = parseResultsCsv('registration number,assessment,date,result\nREG-1,,,');
    expect(parsed.problems).toEqual([
      { row: 2, message: 'The assessment is empty; the date is empty; the result is empty.' },
    ]);
  });

  test('a header that does not name the four columns says which are missing and what it found', () => {
    expect(parseResultsCsv('REG-1,Unit 1,2026-03-03,pass\nREG-2,Unit 1,2026-03-03,pass').problems).toEqual([
      {
        row: 1,
        message:
          'The first row must name the columns registration number, assessment, date and result; "registration number", "assessment", "date", "result" are missing (found "REG-1", "Unit 1", "2026-03-03", "pass").',
      },
    ]);
    expect(
      parseResultsCsv('registration,assessment,date,score\nR,A,2026-03-03,1').problems[0]?.message,
    ).toContain('"result" is missing');
    expect(parseResultsCsv('result,Result,assessment,date,registration').problems[0]).toEqual({
      row: 1,
      message: 'The column "result" appears twice.',
    });
  });

  test('the same result twice is counted once; two different results for one attempt is a problem', () => {
    const csv = [
      'registration number,assessment,date,result',
      'REG-1,Unit 1,2026-03-03,pass',
      'reg-1, unit 1 ,03/03/2026,Passed',
      'REG-1,Unit 1,2026-03-03,fail',
    ].join('\n');
    const parsed = parseResultsCsv(csv);
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.notes).toEqual(['Row 3 repeats row 2; it was counted once.']);
    expect(parsed.problems).toEqual([
      { row: 4, message: 'It says REG-1 failed "Unit 1" on 2026-03-03, but row 2 says passed.' },
    ]);
  });

  test('empty files, header-only files, and files over the limits are refused with a reason', () => {
    expect(parseResultsCsv('').problems).toEqual([{ row: null, message: 'The file is empty.' }]);
    expect(parseResultsCsv('\n\n').problems).toEqual([{ row: null, message: 'The file is empty.' }]);
    expect(parseResultsCsv('registration number,assessment,date,result\n').problems).toEqual([
      { row: null, message: 'The file has a header but no results.' },
    ]);
    expect(parseResultsCsv('x'.repeat(RESULTS_CSV_MAX_CHARS + 1)).problems[0]?.message).toMatch(
      /the most that can be imported at once is 2048 KB/,
    );
    const many = ['registration number,assessment,date,result'];
    for (let i = 0; i <= RESULTS_CSV_MAX_ROWS; i++) many.push(`R${i},A,2026-03-03,pass`);
    expect(parseResultsCsv(many.join('\n')).problems[0]?.message).toBe(
      `The file has ${RESULTS_CSV_MAX_ROWS + 1} rows; the most that can be imported at once is ${RESULTS_CSV_MAX_ROWS}.`,
    );
  });

  test('what a file says is quoted bounded and on one line', () => {
    const parsed = parseResultsCsv(
      `registration number,assessment,date,result\nR,A,"${'9'.repeat(500)}\n1",pass`,
    );
    const message = parsed.problems[0]?.message ?? '';
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(200);
  });

  test('dates: ISO or day-first, real days only', () => {
    expect(parseResultDate('2026-03-03')).toBe('2026-03-03');
    expect(parseResultDate('2026-3-3')).toBe('2026-03-03');
    expect(parseResultDate('3/4/2026')).toBe('2026-04-03');
    expect(parseResultDate('03.04.2026 14:00')).toBe('2026-04-03');
    expect(parseResultDate('29/02/2026')).toBeNull();
    expect(parseResultDate('29/02/2028')).toBe('2028-02-29');
    expect(parseResultDate('13/13/2026')).toBeNull();
    expect(parseResultDate('yesterday')).toBeNull();
  });
});
