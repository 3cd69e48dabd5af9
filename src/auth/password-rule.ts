// The rule for a password an operator chooses for the first administrator (XOS_ADMIN_PASSWORD):
// that account can do everything, and a guessable password is the first thing an attacker tries.
export const PASSWORD_RULE = 'at least 10 characters, not a commonly used password, and not the part of the email before the @';

export const MIN_PASSWORD_LENGTH = 10;

// The worst of the passwords found in leaked lists and in setup guides, compared without case.
// Short ones are refused by the length already; they are here so that the reason given is the
// more useful one when they are padded, as in "password12".
const COMMON = new Set([
  '0000000000', '0123456789', '1234567890', '12345678910', '0987654321', '9876543210', '1111111111', '1231231234',
  '123123123123', '1234512345', '1234554321', '123456789a', '123456789q', '1q2w3e4r5t', '1q2w3e4r5t6y', '1qaz2wsx3edc',
  'a123456789', 'abc1234567', 'abcd123456', 'abcdefghij', 'abcdef123456', 'qwertyuiop', 'qwerty1234', 'qwerty12345',
  'qwerty123456', 'asdfghjkl1', 'asdfghjkl;', 'zxcvbnm123', 'iloveyou12', 'iloveyou123', 'letmein123', 'letmein1234',
  'welcome123', 'welcome1234', 'password', 'password1', 'password12', 'password123', 'password1234', 'password12345',
  'password!1', 'passw0rd12', 'p@ssw0rd12', 'p@ssword123', 'changeme', 'changeme12', 'changeme123', 'change-me1',
  'changeit123', 'admin123456', 'admin1234567', 'admin12345678', 'administrator', 'administrator1', 'adminadmin',
  'adminpassword', 'admin-password', 'admin_password', 'rootpassword', 'root123456', 'superuser1', 'secret1234',
  'mypassword', 'mypassword1', 'default123', 'letmeinplease', 'trustno1234', 'football123', 'baseball123',
  'sunshine123', 'princess123', 'starwars123', 'opensesame', 'openstack1', 'openstack123', 'xosadmin123',
]);

// Why `password` breaks the rule for the account `email`, or null when it meets it.
export function weakPassword(password: string, email: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `it has ${length} characters`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1*$/u.test(password)) return 'it is a commonly used password';
  const name = email.split('@')[0].toLowerCase();
  if (lower === name) return 'it is the part of the email before the @';
  return null;
}
