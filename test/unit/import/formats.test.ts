// One fixture per format, made up for these tests with each vendor's real export header; every
// parsed record is asserted in full.
import { describe, expect, it } from 'vitest';
import { fixtureBytes, importRecords } from './helpers.ts';

describe('each format reads its fixture exactly', () => {
  it("1password.1pux", () => {
    const { records, report } = importRecords(fixtureBytes("1password.1pux"));
    expect(report.format).toBe("1password-1pux");
    expect(report.counts).toEqual({"imported":3,"skipped":{"cards":1,"identities":0,"notes":1,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Photos","urls":["https://photos.example.com/login","https://photos-cdn.example.com"],"username":"mia@example.com","password":"Ph0tos&Memories","notes":"Family album\n\nrecovery key: RK-1111-2222","totp":"otpauth://totp/Example%20Photos:mia?secret=OBUG63DPOM======&issuer=Example%20Photos","folder":"Private","created":"2022-04-15T05:20:00.000Z","modified":"2024-01-11T19:06:40.000Z","sourceItem":"vault \"Private\", item 1 \"Example Photos\""},
      {"title":"Guest Wi-Fi","urls":[],"username":"","password":"Wifi-Guest-2022","notes":"","totp":"","folder":"Private","created":"2022-08-08T23:06:40.000Z","modified":"2022-08-08T23:06:40.000Z","sourceItem":"vault \"Private\", item 2 \"Guest Wi-Fi\""},
      {"title":"Example TV","urls":["https://tv.example.com"],"username":"example-family","password":"Str3aming!","notes":"","totp":"","folder":"Shared","created":"2022-12-02T16:53:20.000Z","modified":"2022-12-14T06:40:00.000Z","sourceItem":"vault \"Shared\", item 1 \"Example TV\""},
    ]);
  });

  it("1password.csv", () => {
    const { records, report } = importRecords(fixtureBytes("1password.csv"));
    expect(report.format).toBe("1password-csv");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":0,"identities":0,"notes":0,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Cloud","urls":["https://cloud.example.com/"],"username":"frank@example.com","password":"Cl0ud-Pa55","notes":"","totp":"otpauth://totp/Example%20Cloud:frank?secret=GEZDGNBVGY3TQOJQ&issuer=Example%20Cloud","folder":"","sourceLine":2},
      {"title":"Video streaming","urls":["https://watch.example.tv"],"username":"frank","password":"Str3am;ing","notes":"Family plan, renews in May","totp":"","folder":"","sourceLine":3},
    ]);
  });

  it("bitwarden.csv", () => {
    const { records, report } = importRecords(fixtureBytes("bitwarden.csv"));
    expect(report.format).toBe("bitwarden-csv");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":0,"identities":0,"notes":1,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Git","urls":["https://git.example.com/login","https://sso.example.com"],"username":"erin","password":"G1t-p4ss!","notes":"Team account\n\nRecovery code: ABCD-EFGH","totp":"otpauth://totp/Example%20Git:erin?secret=KRSXG5CTMVRXEZLU&issuer=Example%20Git","folder":"Work","sourceLine":2},
      {"title":"Power company","urls":["https://power.example.org"],"username":"erin@example.org","password":"W4tts&Volts","notes":"","totp":"","folder":"","sourceLine":3},
    ]);
  });

  it("bitwarden.json", () => {
    const { records, report } = importRecords(fixtureBytes("bitwarden.json"));
    expect(report.format).toBe("bitwarden-json");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":1,"identities":1,"notes":1,"trashed":1,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Git","urls":["https://git.example.com/login","https://sso.example.com"],"username":"erin","password":"G1t-p4ss!","notes":"Team account\n\nRecovery code: ABCD-EFGH","totp":"otpauth://totp/Example%20Git:erin?secret=KRSXG5CTMVRXEZLU&issuer=Example%20Git","folder":"Work","created":"2023-11-20T18:00:00.000Z","modified":"2024-03-02T09:15:00.000Z","sourceItem":"item 1 \"Example Git\""},
      {"title":"Power company","urls":["https://power.example.org"],"username":"erin@example.org","password":"W4tts&Volts","notes":"","totp":"","folder":"Home/Utilities","created":"2024-01-05T12:00:00.000Z","modified":"2024-01-05T12:00:00.000Z","sourceItem":"item 2 \"Power company\""},
    ]);
  });

  it("chrome.csv", () => {
    const { records, report } = importRecords(fixtureBytes("chrome.csv"));
    expect(report.format).toBe("chrome");
    expect(report.counts).toEqual({"imported":4,"skipped":{"cards":0,"identities":0,"notes":0,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"accounts.example.com","urls":["https://accounts.example.com/signin"],"username":"alice@example.com","password":"p@ss,word\"1","notes":"","totp":"","folder":"","sourceLine":2},
      {"title":"com.example.mail","urls":["androidapp://com.example.mail"],"username":"alice.m","password":"An0ther!","notes":"","totp":"","folder":"","sourceLine":3},
      {"title":"shop.example.org","urls":["https://shop.example.org/login"],"username":"bob","password":"s3cr3t-Shop","notes":"Security question: first pet\nAnswer: Rex","totp":"","folder":"","sourceLine":4},
      {"title":"intranet","urls":["http://192.168.1.10:8080/"],"username":"admin","password":"Adm1n#local","notes":"","totp":"","folder":"","sourceLine":6},
    ]);
  });

  it("dashlane.csv", () => {
    const { records, report } = importRecords(fixtureBytes("dashlane.csv"));
    expect(report.format).toBe("dashlane");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":0,"identities":0,"notes":0,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Shop","urls":["https://www.shop.example.com"],"username":"ivan@example.com","password":"Sh0p-2024!","notes":"Gift card on file\n\nUsername 2: ivan.alt","totp":"","folder":"Shopping","sourceLine":2},
      {"title":"Example Games","urls":["https://play.example.games"],"username":"ivan","password":"G4mes&Fun","notes":"","totp":"otpauth://totp/Example%20Games:ivan?secret=ONSWG4TFORZWK5DT&issuer=Example%20Games","folder":"","sourceLine":3},
    ]);
  });

  it("firefox.csv", () => {
    const { records, report } = importRecords(fixtureBytes("firefox.csv"));
    expect(report.format).toBe("firefox");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":0,"identities":0,"notes":0,"trashed":0,"empty":0,"other":1},"errors":0});
    expect(records).toEqual([
      {"title":"mail.example.net","urls":["https://mail.example.net"],"username":"carol@example.net","password":"Tr0ub4dor&3","notes":"","totp":"","folder":"","created":"2023-01-01T00:00:00.000Z","modified":"2023-07-01T00:00:00.000Z","sourceLine":2},
      {"title":"router.example.net","urls":["https://router.example.net"],"username":"admin","password":"r0uter-pw","notes":"HTTP realm: Router Admin","totp":"","folder":"","created":"2023-02-01T00:00:00.000Z","modified":"2023-02-01T00:00:00.000Z","sourceLine":4},
    ]);
  });

  it("keepass.xml", () => {
    const { records, report } = importRecords(fixtureBytes("keepass.xml"));
    expect(report.format).toBe("keepass-xml");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":0,"identities":0,"notes":0,"trashed":1,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Mail","urls":["https://mail.example.com","https://calendar.example.com"],"username":"kim@example.com","password":"K33p<Pa55>","notes":"Main e-mail & calendar\n\nPIN: 2468","totp":"otpauth://totp/Example%20Mail:kim?secret=NBSWY3DPO5XXE3DE&issuer=Example%20Mail","folder":"","created":"2023-02-01T09:00:00.000Z","modified":"2024-05-06T07:08:09.000Z","sourceItem":"entry 1 \"Example Mail\""},
      {"title":"Example Bank","urls":["https://online.bank.example"],"username":"kim.k","password":"B4nk-Vault","notes":"","totp":"","folder":"Finance/Banks","created":"2022-12-24T18:30:00.000Z","modified":"2022-12-24T18:30:00.000Z","sourceItem":"entry 2 \"Example Bank\""},
    ]);
  });

  it("keepassxc.csv", () => {
    const { records, report } = importRecords(fixtureBytes("keepassxc.csv"));
    expect(report.format).toBe("keepassxc-csv");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":0,"identities":0,"notes":0,"trashed":1,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Mail","urls":["https://mail.example.com"],"username":"heidi@example.com","password":"M4il-Secret","notes":"","totp":"otpauth://totp/Example%20Mail:heidi?secret=MFRGGZDFMZTWQ2LK&period=30&digits=6&issuer=Example%20Mail","folder":"","created":"2022-06-15T10:00:00.000Z","modified":"2024-04-01T08:30:00.000Z","sourceLine":2},
      {"title":"Build server","urls":["ssh://build.example.internal"],"username":"deploy","password":"Bu1ld&Ship","notes":"Port 2222\nKey on token","totp":"","folder":"Work/Servers","created":"2023-01-10T12:00:00.000Z","modified":"2024-01-10T12:00:00.000Z","sourceLine":3},
    ]);
  });

  it("lastpass.csv", () => {
    const { records, report } = importRecords(fixtureBytes("lastpass.csv"));
    expect(report.format).toBe("lastpass");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":1,"identities":0,"notes":1,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example News","urls":["https://news.example.com/login"],"username":"grace","password":"N3ws!Reader","notes":"","totp":"","folder":"Reading","sourceLine":2},
      {"title":"Example Bank","urls":["https://bank.example.co.uk"],"username":"grace.h","password":"B@nk \"quoted\" pw","notes":"Branch: High Street","totp":"JBSWY3DPEHPK3PXP","folder":"Finance/Banks","sourceLine":3},
    ]);
  });

  it("nordpass.csv", () => {
    const { records, report } = importRecords(fixtureBytes("nordpass.csv"));
    expect(report.format).toBe("nordpass");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":1,"identities":0,"notes":0,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"Example Travel","urls":["https://travel.example.com","https://m.travel.example.com"],"username":"judy@example.com","password":"Tr4vel-Far","notes":"Frequent flyer 998877","totp":"","folder":"Personal","sourceLine":3},
      {"title":"Example Forum","urls":["https://forum.example.net"],"username":"judy","password":"F0rum-pw","notes":"","totp":"","folder":"","sourceLine":5},
    ]);
  });

  it("protonpass.json", () => {
    const { records, report } = importRecords(fixtureBytes("protonpass.json"));
    expect(report.format).toBe("protonpass-json");
    expect(report.counts).toEqual({"imported":3,"skipped":{"cards":1,"identities":0,"notes":0,"trashed":1,"empty":0,"other":1},"errors":0});
    expect(records).toEqual([
      {"title":"Example Social","urls":["https://social.example.com/","https://m.social.example.com/"],"username":"leo_social","password":"S0cial-Butterfly","notes":"Main profile\n\nEmail: leo@example.com\nBackup code: 9182-7364","totp":"otpauth://totp/Example%20Social:leo?secret=MZXW6YTBOI======&issuer=Example%20Social","folder":"Personal","created":"2023-11-14T22:13:20.000Z","modified":"2024-03-09T16:00:00.000Z","sourceItem":"vault \"Personal\", item 1 \"Example Social\""},
      {"title":"Example Music","urls":["https://music.example.com"],"username":"leo@example.com","password":"Mus1c-Lover","notes":"","totp":"","folder":"Personal","created":"2023-07-22T04:26:40.000Z","modified":"2023-07-22T04:26:40.000Z","sourceItem":"vault \"Personal\", item 2 \"Example Music\""},
      {"title":"Team wiki","urls":["https://wiki.example.org"],"username":"leo","password":"W1ki-Edit","notes":"","totp":"","folder":"Work","created":"2023-03-28T10:40:00.000Z","modified":"2023-05-25T07:33:20.000Z","sourceItem":"vault \"Work\", item 1 \"Team wiki\""},
    ]);
  });

  it("protonpass.zip", () => {
    const { records, report } = importRecords(fixtureBytes("protonpass.zip"));
    expect(report.format).toBe("protonpass-zip");
    expect(report.counts).toEqual({"imported":3,"skipped":{"cards":1,"identities":0,"notes":0,"trashed":1,"empty":0,"other":1},"errors":0});
    expect(records).toEqual([
      {"title":"Example Social","urls":["https://social.example.com/","https://m.social.example.com/"],"username":"leo_social","password":"S0cial-Butterfly","notes":"Main profile\n\nEmail: leo@example.com\nBackup code: 9182-7364","totp":"otpauth://totp/Example%20Social:leo?secret=MZXW6YTBOI======&issuer=Example%20Social","folder":"Personal","created":"2023-11-14T22:13:20.000Z","modified":"2024-03-09T16:00:00.000Z","sourceItem":"vault \"Personal\", item 1 \"Example Social\""},
      {"title":"Example Music","urls":["https://music.example.com"],"username":"leo@example.com","password":"Mus1c-Lover","notes":"","totp":"","folder":"Personal","created":"2023-07-22T04:26:40.000Z","modified":"2023-07-22T04:26:40.000Z","sourceItem":"vault \"Personal\", item 2 \"Example Music\""},
      {"title":"Team wiki","urls":["https://wiki.example.org"],"username":"leo","password":"W1ki-Edit","notes":"","totp":"","folder":"Work","created":"2023-03-28T10:40:00.000Z","modified":"2023-05-25T07:33:20.000Z","sourceItem":"vault \"Work\", item 1 \"Team wiki\""},
    ]);
  });

  it("safari.csv", () => {
    const { records, report } = importRecords(fixtureBytes("safari.csv"));
    expect(report.format).toBe("safari");
    expect(report.counts).toEqual({"imported":2,"skipped":{"cards":0,"identities":0,"notes":0,"trashed":0,"empty":0,"other":0},"errors":0});
    expect(records).toEqual([
      {"title":"example.com (dave@example.com)","urls":["https://example.com/"],"username":"dave@example.com","password":"Corr3ct-Horse","notes":"","totp":"otpauth://totp/Example:dave%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example","folder":"","sourceLine":2},
      {"title":"bank.example","urls":["https://www.bank.example/online"],"username":"dave","password":"B4nk!ng","notes":"Customer no. 12345","totp":"","folder":"","sourceLine":3},
    ]);
  });

  it('dashlane.zip (credentials.csv inside) reads as dashlane.csv, with a warning', () => {
    const zipped = importRecords(fixtureBytes('dashlane.zip'));
    const plain = importRecords(fixtureBytes('dashlane.csv'));
    expect(zipped.report.format).toBe('dashlane');
    expect(zipped.records).toEqual(plain.records);
    expect(zipped.report.warnings).toEqual(['Dashlane zip: only credentials.csv (logins) is imported; cards, IDs and notes are in other files of the zip']);
  });
});
