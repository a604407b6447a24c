import { join, resolve } from 'node:path';
import { ConfigError } from './env';
import { loadMailroomConfig } from './mailroom-config';

describe('loadMailroomConfig', () => {
  it('defaults: print runs under DATA_DIR (or ./data), 1000 letters a run, Paris time, operators create runs', () => {
    const config = loadMailroomConfig({});
    expect(config).toEqual({
      outputDir: join(resolve('./data'), 'print-runs'),
      sender: { service: 'Passerelle', addressLines: [] },
      runSize: 1000,
      pollIntervalMs: 1000,
      timeZone: 'Europe/Paris',
      formValidityDays: 90,
      lateLetterDays: 5,
    });
    expect(loadMailroomConfig({ DATA_DIR: '/var/lib/passerelle' }).outputDir).toBe(
      '/var/lib/passerelle/print-runs',
    );
    expect(loadMailroomConfig({}, { kind: 'pglite', dataDir: '/srv/pg' }).outputDir).toBe(
      '/srv/pg/print-runs',
    );
  });

  it('reads the sender, the directory and the schedule', () => {
    const config = loadMailroomConfig({
      MAILROOM_DIR: '/mnt/mailroom',
      MAILROOM_RUN_SIZE: '250',
      MAILROOM_AUTO_RUN_MINUTES: '60',
      LETTER_SENDER_NAME: 'Passerelle Hauts-de-France',
      LETTER_SENDER_ADDRESS: '12 rue de la Paix | 59000 Lille',
      LETTER_SENDER_PHONE: '03 20 00 00 00',
      LETTER_TIME_ZONE: 'America/Cayenne',
      MAILROOM_FORM_VALID_DAYS: '30',
      MAILROOM_LATE_LETTER_DAYS: '3',
    });
    expect(config).toMatchObject({
      formValidityDays: 30,
      lateLetterDays: 3,
      outputDir: '/mnt/mailroom',
      runSize: 250,
      autoRunIntervalMs: 3_600_000,
      timeZone: 'America/Cayenne',
      sender: {
        service: 'Passerelle Hauts-de-France',
        addressLines: ['12 rue de la Paix', '59000 Lille'],
        phone: '03 20 00 00 00',
      },
    });
  });

  it('refuses bad values, naming each variable', () => {
    const bad = () =>
      loadMailroomConfig({
        MAILROOM_RUN_SIZE: '0',
        LETTER_TIME_ZONE: 'Mars/Olympus',
        MAILROOM_FORM_VALID_DAYS: '0',
        MAILROOM_LATE_LETTER_DAYS: '-1',
      });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/LETTER_TIME_ZONE/);
    expect(bad).toThrow(/MAILROOM_RUN_SIZE/);
    expect(bad).toThrow(/MAILROOM_FORM_VALID_DAYS/);
    expect(bad).toThrow(/MAILROOM_LATE_LETTER_DAYS/);
  });
});
