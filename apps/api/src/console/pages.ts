import { MESSAGES, type Lang, type Messages } from './i18n';

/** The console's pages: each a static shell; console.js fills it with what the API answers. */
export const CONSOLE_PAGES = ['disclosures', 'audit', 'dead-letters', 'minimisation', 'registry'] as const;
export type ConsolePage = (typeof CONSOLE_PAGES)[number] | 'sign-in';

const TITLES: Record<ConsolePage, keyof Messages> = {
  'sign-in': 'pageSignIn',
  disclosures: 'pageDisclosures',
  audit: 'pageAudit',
  'dead-letters': 'pageDeadLetters',
  minimisation: 'pageMinimisation',
  registry: 'pageRegistry',
};

const CHARTS: ReadonlySet<ConsolePage> = new Set(['dead-letters', 'minimisation']);

export function isConsolePage(name: string): name is (typeof CONSOLE_PAGES)[number] {
  return (CONSOLE_PAGES as readonly string[]).includes(name);
}

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script type="application/json"> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function renderPage(page: ConsolePage, lang: Lang): string {
  const m = MESSAGES[lang];
  const t = (key: keyof Messages): string => escapeHtml(m[key] as string);
  const other: Lang = lang === 'ja' ? 'en' : 'ja';
  const here = page === 'sign-in' ? '/console' : `/console/${page}`;
  const nav = CONSOLE_PAGES.map(
    (p) =>
      `<li><a href="/console/${p}?lang=${lang}"${p === page ? ' aria-current="page"' : ''}>${t(TITLES[p])}</a></li>`,
  ).join('');
  const scripts = [
    ...(CHARTS.has(page) ? ['/console/assets/chart.umd.min.js'] : []),
    '/console/assets/console.js',
  ]
    .map((src) => `<script src="${src}" defer></script>`)
    .join('\n');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${t(TITLES[page])} · ${t('consoleTitle')}</title>
<link rel="stylesheet" href="/console/assets/console.css">
${scripts}
</head>
<body data-page="${page}" data-lang="${lang}">
<a class="skip" href="#main">${t('skipToContent')}</a>
<header class="top">
<p class="brand"><span lang="ja">共同利用</span> ${t('consoleTitle')}</p>
${page === 'sign-in' ? '' : `<nav aria-label="${t('navLabel')}"><ul>${nav}</ul></nav>`}
<div class="session">
<span id="session-role"></span>
${page === 'sign-in' ? '' : `<button type="button" id="sign-out" class="secondary">${t('signOut')}</button>`}
<a href="${here}?lang=${other}" lang="${other}" hreflang="${other}">${t('otherLanguage')}</a>
</div>
</header>
<main id="main" tabindex="-1">
<h1>${t(TITLES[page])}</h1>
<noscript><p class="error">${t('noScript')}</p></noscript>
${BODIES[page](t)}
<p id="status" role="status" aria-live="polite"></p>
</main>
<script type="application/json" id="console-messages">${scriptJson(m)}</script>
</body>
</html>
`;
}

type T = (key: keyof Messages) => string;

function windowForm(t: T, id: string): string {
  return `<form id="${id}" class="query">
<div class="field"><label for="from">${t('fromLabel')}</label><input id="from" type="date"></div>
<div class="field"><label for="to">${t('toLabel')}</label><input id="to" type="date"></div>
<button type="submit">${t('show')}</button>
</form>`;
}

// Inputs that carry a supply point have no `name`: even a form submitted without script sends nothing.
const BODIES: Record<ConsolePage, (t: T) => string> = {
  'sign-in': (t) => `<p>${t('signInIntro')}</p>
<form id="sign-in-form" class="query" method="post">
<div class="field wide"><label for="api-key">${t('apiKeyLabel')}</label>
<input id="api-key" type="password" autocomplete="off" spellcheck="false" required aria-describedby="api-key-help"></div>
<button type="submit">${t('signIn')}</button>
</form>
<p id="api-key-help" class="help">${t('apiKeyHelp')}</p>`,

  disclosures: (t) => `<p>${t('disclosuresIntro')}</p>
<form id="disclosure-form" class="query" method="post">
<div class="field wide"><label for="supply-point">${t('supplyPointLabel')}</label>
<input id="supply-point" inputmode="numeric" autocomplete="off" spellcheck="false" required
 pattern="(0[1-9]|10)[0-9]{20}" maxlength="22" aria-describedby="supply-point-help"></div>
<div class="field"><label for="from">${t('fromLabel')}</label><input id="from" type="date"></div>
<div class="field"><label for="to">${t('toLabel')}</label><input id="to" type="date"></div>
<button type="submit">${t('lookUp')}</button>
</form>
<p id="supply-point-help" class="help">${t('supplyPointHelp')}</p>
<section id="results" aria-labelledby="timeline-heading" hidden>
<h2 id="timeline-heading">${t('timeline')}</h2>
<p id="disclosure-summary"></p>
<h3>${t('recipients')}</h3>
<ul id="recipient-list" class="chips"></ul>
<div class="toolbar">
<div class="field"><label for="recipient-filter">${t('recipientFilter')}</label>
<select id="recipient-filter"><option value="">${t('allRecipients')}</option></select></div>
<button type="button" id="export-csv">${t('exportCsv')}</button>
</div>
<div class="scroll"><table id="timeline">
<caption>${t('timeline')}</caption>
<thead><tr><th scope="col">${t('colTime')}</th><th scope="col">${t('colRecipient')}</th><th scope="col">${t('colRole')}</th>
<th scope="col">${t('colEventType')}</th><th scope="col">${t('colPurposes')}</th><th scope="col">${t('colDelivered')}</th><th scope="col">${t('colWithheld')}</th>
<th scope="col">${t('colPolicy')}</th><th scope="col">${t('colAuditId')}</th></tr></thead>
<tbody></tbody>
</table></div>
</section>`,

  audit: (t) => `<p>${t('auditIntro')}</p>
<div class="cards">
<section class="card" aria-labelledby="verify-heading">
<h2 id="verify-heading">${t('lastVerify')}</h2>
<div id="verify-result"></div>
<button type="button" id="verify-now">${t('verifyNow')}</button>
</section>
<section class="card" aria-labelledby="reconcile-heading">
<h2 id="reconcile-heading">${t('reconciliation')}</h2>
<div id="reconcile-result"></div>
<button type="button" id="reconcile-now">${t('reconcileNow')}</button>
</section>
</div>
<section aria-labelledby="heads-heading">
<h2 id="heads-heading">${t('chainHeads')}</h2>
<div id="chain-heads"></div>
</section>`,

  'dead-letters': (t) => `<p>${t('deadLettersIntro')}</p>
${windowForm(t, 'window-form')}
<section aria-labelledby="by-day-heading">
<h2 id="by-day-heading">${t('rejectionsByDay')}</h2>
<p id="rejections-total"></p>
<div class="chart"><canvas id="rejections-chart" role="img" aria-label="${t('rejectionsByDay')}"></canvas></div>
<div id="rejections-by-reason"></div>
</section>
<section aria-labelledby="latest-heading">
<h2 id="latest-heading">${t('latestRejections')}</h2>
<div id="latest-rejections"></div>
</section>`,

  minimisation: (t) => `<p>${t('minimisationIntro')}</p>
${windowForm(t, 'window-form')}
<section aria-labelledby="chart-heading">
<h2 id="chart-heading">${t('minimisationChart')}</h2>
<div class="chart tall"><canvas id="minimisation-chart" role="img" aria-label="${t('minimisationChart')}"></canvas></div>
<div id="minimisation-table"></div>
</section>`,

  registry: (t) => `<p>${t('registryIntro')}</p>
<p id="registry-asof"></p>
<div class="cards" id="registry-cards"></div>
<section aria-labelledby="parties-heading">
<h2 id="parties-heading">${t('partiesDetail')}</h2>
<button type="button" id="show-parties" class="secondary">${t('showParties')}</button>
<div id="parties-detail"></div>
</section>`,
};
