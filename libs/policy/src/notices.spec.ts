import { compileNotices } from './notices';
import { compilePolicy } from './compile';
import { loadPolicy } from './load';

describe('the policy notices section', () => {
  it('is in the default policy: a notice per past recipient, under a purpose per kind', () => {
    expect(compilePolicy(loadPolicy()).notices).toEqual({
      relation: 'past-recipient',
      purposes: { correction: 'subject-correction', deletion: 'subject-deletion' },
      ackSender: 'notice-recipient',
    });
  });

  it('may be absent (a policy of its own without notices)', () => {
    const problems: string[] = [];
    expect(compileNotices(undefined, problems)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('names every bad entry', () => {
    const problems: string[] = [];
    const result = compileNotices(
      {
        'subject-notice': { relation: 'everyone', purposes: { correction: 'Fix It', deletion: 'x' } },
        'subject-notice-ack': { sender: 'anyone', recipients: ['OCCTO'], extra: 1 },
      },
      problems,
    );
    expect(result).toBeUndefined();
    expect(problems).toEqual([
      'notices.subject-notice-ack: unknown key "extra" (expected sender, recipients)',
      'notices.subject-notice.relation: must be past-recipient (the only relation a notice has)',
      'notices.subject-notice.purposes.correction: must be a purpose name (lower-case, hyphens)',
      'notices.subject-notice-ack.sender: must be notice-recipient (only the recipient may answer)',
      'notices.subject-notice-ack.recipients: must be [] (an acknowledgement is delivered to nobody)',
    ]);
  });
});
