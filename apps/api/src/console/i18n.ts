/** The console's two languages: Japanese for the people who answer customers, English beside it. */
export const LANGS = ['ja', 'en'] as const;
export type Lang = (typeof LANGS)[number];

/** Every label the console shows; both languages must give each one (the type checks it). */
export interface Messages {
  readonly consoleTitle: string;
  readonly skipToContent: string;
  readonly navLabel: string;
  readonly otherLanguage: string;
  readonly noScript: string;
  readonly signOut: string;
  readonly signedInAs: string;
  readonly roleAuditor: string;
  readonly roleRegistryAdmin: string;
  readonly loading: string;
  readonly failed: string;
  readonly forbidden: string;
  readonly sessionEnded: string;

  readonly pageSignIn: string;
  readonly signInIntro: string;
  readonly apiKeyLabel: string;
  readonly apiKeyHelp: string;
  readonly signIn: string;
  readonly signInRejected: string;

  readonly pageDisclosures: string;
  readonly disclosuresIntro: string;
  readonly supplyPointLabel: string;
  readonly supplyPointHelp: string;
  readonly supplyPointInvalid: string;
  readonly fromLabel: string;
  readonly toLabel: string;
  readonly lookUp: string;
  readonly timeline: string;
  readonly disclosuresSummary: string;
  readonly noDisclosures: string;
  readonly recipientFilter: string;
  readonly allRecipients: string;
  readonly recipients: string;
  readonly exportCsv: string;
  readonly csvExported: string;
  readonly colTime: string;
  readonly colRecipient: string;
  readonly colRole: string;
  readonly colPurposes: string;
  readonly colDelivered: string;
  readonly colWithheld: string;
  readonly colPolicy: string;
  readonly colAuditId: string;
  readonly colEventType: string;
  readonly deliveries: string;
  readonly fieldCount: string;

  readonly pageAudit: string;
  readonly auditIntro: string;
  readonly chainHeads: string;
  readonly colPartition: string;
  readonly colOffset: string;
  readonly colHash: string;
  readonly noChains: string;
  readonly anchors: string;
  readonly lastVerify: string;
  readonly verifyNow: string;
  readonly verifying: string;
  readonly chainVerified: string;
  readonly chainBroken: string;
  readonly neverRun: string;
  readonly ranAt: string;
  readonly rowsChecked: string;
  readonly firstBad: string;
  readonly reconciliation: string;
  readonly reconcileNow: string;
  readonly reconciling: string;
  readonly reconciled: string;
  readonly reconcileDifferences: string;
  readonly reconcileFailed: string;
  readonly colAuditDeliveries: string;
  readonly colOutboxEvents: string;
  readonly colMissingFromOutbox: string;
  readonly colMissingFromAudit: string;
  readonly colUnreadable: string;
  readonly colNotVerifiable: string;

  readonly pageDeadLetters: string;
  readonly deadLettersIntro: string;
  readonly show: string;
  readonly rejectionsByDay: string;
  readonly rejectionsByReason: string;
  readonly rejectionsTotal: string;
  readonly latestRejections: string;
  readonly noRejections: string;
  readonly colDay: string;
  readonly colReason: string;
  readonly colCount: string;
  readonly colSource: string;
  readonly colInbound: string;

  readonly pageMinimisation: string;
  readonly minimisationIntro: string;
  readonly minimisationChart: string;
  readonly fieldsDeliveredPerDelivery: string;
  readonly fieldsWithheldPerDelivery: string;
  readonly colFieldsDelivered: string;
  readonly colFieldsWithheld: string;
  readonly colWithheldShare: string;
  readonly colWhichWithheld: string;
  readonly noDeliveries: string;

  readonly pageRegistry: string;
  readonly registryIntro: string;
  readonly partiesByRole: string;
  readonly tdsoByArea: string;
  readonly enrollmentsInForce: string;
  readonly consentsInForce: string;
  readonly consentsRevoked: string;
  readonly byArea: string;
  readonly colArea: string;
  readonly registryVersion: string;
  readonly asOfDay: string;
  readonly total: string;
  readonly showParties: string;
  readonly partiesDetail: string;
  readonly detailsNeedAdmin: string;
  readonly colPartyId: string;
  readonly colName: string;

  readonly roles: Readonly<Record<string, string>>;
  readonly purposes: Readonly<Record<string, string>>;
  readonly areas: Readonly<Record<string, string>>;
}

const AREAS_EN = {
  '01': 'Hokkaido',
  '02': 'Tohoku',
  '03': 'Tokyo',
  '04': 'Chubu',
  '05': 'Hokuriku',
  '06': 'Kansai',
  '07': 'Chugoku',
  '08': 'Shikoku',
  '09': 'Kyushu',
  '10': 'Okinawa',
};

export const MESSAGES: Readonly<Record<Lang, Messages>> = {
  ja: {
    consoleTitle: 'Kyodo コンプライアンス・コンソール',
    skipToContent: '本文へ移動',
    navLabel: 'コンソールのページ',
    otherLanguage: 'English',
    noScript: 'このコンソールには JavaScript が必要です。',
    signOut: 'サインアウト',
    signedInAs: 'サインイン中: {role}',
    roleAuditor: '監査担当 (auditor)',
    roleRegistryAdmin: '登録管理者 (registry-admin)',
    loading: '読み込み中…',
    failed: '読み込めませんでした: {message}',
    forbidden: 'この API キーの権限では表示できません。',
    sessionEnded: 'API キーが無効になりました。もう一度サインインしてください。',

    pageSignIn: 'サインイン',
    signInIntro: '監査担当 (auditor) または登録管理者 (registry-admin) の API キーでサインインします。',
    apiKeyLabel: 'API キー',
    apiKeyHelp:
      'キーはこのタブのセッションストレージにだけ保存され、Authorization ヘッダーで送られます。タブを閉じると消えます。',
    signIn: 'サインイン',
    signInRejected: 'この API キーは無効か、失効しています。',

    pageDisclosures: '提供記録',
    disclosuresIntro:
      '供給地点について、いつ・誰に・どの項目を・どの目的で提供したかを監査証跡から示します。',
    supplyPointLabel: '供給地点特定番号（22桁）',
    supplyPointHelp: '番号は URL に載らず、リクエスト本文でのみ送られます。',
    supplyPointInvalid: '供給地点特定番号は 22 桁で、先頭 2 桁がエリア 01〜10 です。',
    fromLabel: '期間（開始日）',
    toLabel: '期間（終了日）',
    lookUp: '照会',
    timeline: '提供のタイムライン',
    disclosuresSummary: '{count} 件の提供、提供先 {recipients} 者',
    noDisclosures: 'この期間に、この供給地点についての提供はありません。',
    recipientFilter: '提供先で絞り込み',
    allRecipients: 'すべての提供先',
    recipients: '提供先',
    exportCsv: 'CSV を出力',
    csvExported: 'CSV を出力しました（{count} 行）。',
    colTime: '日時（日本時間）',
    colRecipient: '提供先',
    colRole: '役割',
    colPurposes: '利用目的',
    colDelivered: '提供した項目',
    colWithheld: '提供しなかった項目',
    colPolicy: 'ポリシー版',
    colAuditId: '監査 ID',
    colEventType: 'イベント種別',
    deliveries: '{count} 件',
    fieldCount: '{count} 項目',

    pageAudit: '監査証跡の健全性',
    auditIntro: 'ハッシュチェーンの先頭、直近の検証結果、照合（リコンシリエーション）の状況です。',
    chainHeads: 'チェーンの先頭（公開するアンカー）',
    colPartition: 'パーティション',
    colOffset: 'オフセット',
    colHash: 'ハッシュ',
    noChains: '監査記録はまだありません。',
    anchors: '保存期間による起点',
    lastVerify: '直近の検証',
    verifyNow: '今すぐ検証',
    verifying: '検証中…',
    chainVerified: 'チェーンは検証済み（改ざんなし）',
    chainBroken: 'チェーンが壊れています',
    neverRun: 'まだ実行されていません。',
    ranAt: '{time} に実行',
    rowsChecked: '{rows} 行・{chains} チェーンを検査',
    firstBad: '最初の不正な行: パーティション {partition}、オフセット {offset}（{problem}）',
    reconciliation: '照合（監査証跡と送信箱）',
    reconcileNow: '今すぐ照合',
    reconciling: '照合中…',
    reconciled: '監査証跡と送信箱は一致しています',
    reconcileDifferences: '監査証跡と送信箱に差異があります',
    reconcileFailed: '照合を実行できませんでした: {message}',
    colAuditDeliveries: '監査上の提供',
    colOutboxEvents: '送信箱のイベント',
    colMissingFromOutbox: '送信箱に無い',
    colMissingFromAudit: '監査に無い',
    colUnreadable: '読めない記録',
    colNotVerifiable: '検証不能（保存期間切れ）',

    pageDeadLetters: 'デッドレター',
    deadLettersIntro: '拒否された入力の件数（理由別・日別）と直近の拒否。内容（個人情報）は表示しません。',
    show: '表示',
    rejectionsByDay: '日別・理由別の拒否件数',
    rejectionsByReason: '理由別の件数',
    rejectionsTotal: '合計 {count} 件',
    latestRejections: '直近の拒否',
    noRejections: 'この期間に拒否はありません。',
    colDay: '日付（日本時間）',
    colReason: '理由',
    colCount: '件数',
    colSource: '送信者',
    colInbound: '受信トピック / パーティション / オフセット',

    pageMinimisation: 'データ最小化',
    minimisationIntro:
      '提供先の役割と利用目的ごとに、提供した項目数と提供しなかった項目数（1 件あたり平均）を示します。',
    minimisationChart: '役割・目的ごとの 1 提供あたりの項目数',
    fieldsDeliveredPerDelivery: '提供した項目',
    fieldsWithheldPerDelivery: '提供しなかった項目',
    colFieldsDelivered: '提供した項目（延べ）',
    colFieldsWithheld: '提供しなかった項目（延べ）',
    colWithheldShare: '非提供の割合',
    colWhichWithheld: '提供しなかった項目（件数）',
    noDeliveries: 'この期間に提供はありません。',

    pageRegistry: '登録情報',
    registryIntro:
      '役割・エリア別の事業者数と、有効な登録・同意の件数です。詳細は登録管理者のキーでのみ表示できます。',
    partiesByRole: '役割別の事業者数',
    tdsoByArea: 'エリア別の一般送配電事業者',
    enrollmentsInForce: '有効なアグリゲーター登録',
    consentsInForce: '有効な第三者提供の同意',
    consentsRevoked: '撤回された同意',
    byArea: 'エリア別（供給地点のエリア）',
    colArea: 'エリア',
    registryVersion: '登録情報の版',
    asOfDay: '{day} 時点',
    total: '合計',
    showParties: '事業者の一覧を表示',
    partiesDetail: '事業者の一覧',
    detailsNeedAdmin: '事業者の詳細は登録管理者 (registry-admin) のキーでのみ表示できます。',
    colPartyId: '事業者 ID',
    colName: '名称',

    roles: {
      retailer: '小売電気事業者',
      tdso: '一般送配電事業者',
      occto: '電力広域的運営推進機関',
      aggregator: 'アグリゲーター（特定卸供給事業者）',
      'third-party': '第三者',
    },
    purposes: {
      'consignment-contract': '託送供給契約',
      'switching-agency': 'スイッチング支援',
      'supply-point-confirmation': '供給地点の確認',
      'td-operations': '送配電業務（検針・保守・調査）',
      'negawatt-trading': 'ネガワット取引',
      'third-party-consent': '同意に基づく第三者提供',
    },
    areas: {
      '01': '北海道',
      '02': '東北',
      '03': '東京',
      '04': '中部',
      '05': '北陸',
      '06': '関西',
      '07': '中国',
      '08': '四国',
      '09': '九州',
      '10': '沖縄',
    },
  },
  en: {
    consoleTitle: 'Kyodo compliance console',
    skipToContent: 'Skip to content',
    navLabel: 'Console pages',
    otherLanguage: '日本語',
    noScript: 'This console needs JavaScript.',
    signOut: 'Sign out',
    signedInAs: 'Signed in: {role}',
    roleAuditor: 'auditor',
    roleRegistryAdmin: 'registry-admin',
    loading: 'Loading…',
    failed: 'Could not load: {message}',
    forbidden: 'This API key’s role may not see this.',
    sessionEnded: 'The API key is no longer valid. Please sign in again.',

    pageSignIn: 'Sign in',
    signInIntro: 'Sign in with an API key of role auditor or registry-admin.',
    apiKeyLabel: 'API key',
    apiKeyHelp:
      'The key is kept only in this tab’s session storage and sent in the Authorization header. Closing the tab forgets it.',
    signIn: 'Sign in',
    signInRejected: 'This API key is unknown or revoked.',

    pageDisclosures: 'Disclosures',
    disclosuresIntro:
      'Who received what about a supply point, when, and why: every delivery the audit trail records.',
    supplyPointLabel: 'Supply point id (22 digits)',
    supplyPointHelp: 'The id never goes into a URL: it is sent only in the request body.',
    supplyPointInvalid: 'A supply point id is 22 digits, the first two an area 01..10.',
    fromLabel: 'From (day)',
    toLabel: 'To (day, inclusive)',
    lookUp: 'Look up',
    timeline: 'Timeline of deliveries',
    disclosuresSummary: '{count} deliveries to {recipients} recipients',
    noDisclosures: 'Nothing was delivered about this supply point in this period.',
    recipientFilter: 'Filter by recipient',
    allRecipients: 'All recipients',
    recipients: 'Recipients',
    exportCsv: 'Export CSV',
    csvExported: 'CSV exported ({count} rows).',
    colTime: 'Time (Japan)',
    colRecipient: 'Recipient',
    colRole: 'Role',
    colPurposes: 'Purposes',
    colDelivered: 'Fields delivered',
    colWithheld: 'Fields withheld',
    colPolicy: 'Policy version',
    colAuditId: 'Audit id',
    colEventType: 'Event type',
    deliveries: '{count} deliveries',
    fieldCount: '{count} fields',

    pageAudit: 'Audit health',
    auditIntro: 'The heads of the hash chains, the last verification, and the reconciliation status.',
    chainHeads: 'Chain heads (the anchors to publish)',
    colPartition: 'Partition',
    colOffset: 'Offset',
    colHash: 'Hash',
    noChains: 'There are no audit records yet.',
    anchors: 'Retention anchors',
    lastVerify: 'Last verification',
    verifyNow: 'Verify now',
    verifying: 'Verifying…',
    chainVerified: 'Chain verified: intact',
    chainBroken: 'Chain BROKEN',
    neverRun: 'Not run yet.',
    ranAt: 'Ran at {time}',
    rowsChecked: '{rows} rows in {chains} chains checked',
    firstBad: 'First bad row: partition {partition}, offset {offset} ({problem})',
    reconciliation: 'Reconciliation (audit trail against outboxes)',
    reconcileNow: 'Reconcile now',
    reconciling: 'Reconciling…',
    reconciled: 'Audit trail and outboxes agree',
    reconcileDifferences: 'Differences between the audit trail and the outboxes',
    reconcileFailed: 'The reconciliation could not be done: {message}',
    colAuditDeliveries: 'Audit deliveries',
    colOutboxEvents: 'Outbox events',
    colMissingFromOutbox: 'Missing from outboxes',
    colMissingFromAudit: 'Missing from audit',
    colUnreadable: 'Unreadable records',
    colNotVerifiable: 'Not verifiable (retention)',

    pageDeadLetters: 'Dead letters',
    deadLettersIntro:
      'Rejected input counted by reason and day, and the latest rejections. Never their content (personal data).',
    show: 'Show',
    rejectionsByDay: 'Rejections per day and reason',
    rejectionsByReason: 'By reason',
    rejectionsTotal: '{count} in all',
    latestRejections: 'Latest rejections',
    noRejections: 'Nothing was rejected in this period.',
    colDay: 'Day (Japan)',
    colReason: 'Reason',
    colCount: 'Count',
    colSource: 'Sender',
    colInbound: 'Inbox topic / partition / offset',

    pageMinimisation: 'Data minimisation',
    minimisationIntro:
      'Per recipient role and purpose: how many fields each delivery carried, and how many present in the input were withheld.',
    minimisationChart: 'Fields per delivery, by recipient role and purpose',
    fieldsDeliveredPerDelivery: 'Fields delivered',
    fieldsWithheldPerDelivery: 'Fields withheld',
    colFieldsDelivered: 'Fields delivered (sum)',
    colFieldsWithheld: 'Fields withheld (sum)',
    colWithheldShare: 'Share withheld',
    colWhichWithheld: 'Which fields were withheld (deliveries)',
    noDeliveries: 'Nothing was delivered in this period.',

    pageRegistry: 'Registry',
    registryIntro:
      'Parties by role and area, and enrollments and consents in force. Details only with a registry-admin key.',
    partiesByRole: 'Parties by role',
    tdsoByArea: 'Transmission and distribution operators by area',
    enrollmentsInForce: 'Aggregator enrollments in force',
    consentsInForce: 'Third-party consents in force',
    consentsRevoked: 'Consents revoked',
    byArea: 'By area (of the supply points)',
    colArea: 'Area',
    registryVersion: 'Registry version',
    asOfDay: 'As of {day}',
    total: 'Total',
    showParties: 'Show the parties',
    partiesDetail: 'Parties',
    detailsNeedAdmin: 'Party details need a registry-admin key.',
    colPartyId: 'Party id',
    colName: 'Name',

    roles: {
      retailer: 'Retailer',
      tdso: 'Transmission & distribution operator',
      occto: 'OCCTO',
      aggregator: 'Aggregator (negawatt)',
      'third-party': 'Third party',
    },
    purposes: {
      'consignment-contract': 'Consignment contract',
      'switching-agency': 'Switching agency',
      'supply-point-confirmation': 'Supply point confirmation',
      'td-operations': 'T&D operations (meter reading, maintenance)',
      'negawatt-trading': 'Negawatt trading',
      'third-party-consent': 'Third-party provision with consent',
    },
    areas: AREAS_EN,
  },
};

/** `?lang=` when given, else the browser's first preference if it is Japanese, else English. */
export function pickLang(query: unknown, acceptLanguage: string | undefined): Lang {
  if (query === 'ja' || query === 'en') return query;
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('ja') ? 'ja' : 'en';
}
