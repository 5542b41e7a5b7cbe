/**
 * The dashboard's entry point. A page with `#serin-report` is a simulate report and is drawn from
 * that data alone; any other page is the live dashboard.
 */
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { render } from 'preact';
import type { ReportData } from '../model.js';
import { App } from './app.js';
import { ReportApp } from './report-app.js';

const root = document.getElementById('app');
const report = document.getElementById('serin-report');
if (root) {
  if (report) {
    render(<ReportApp data={JSON.parse(report.textContent ?? '{}') as ReportData} />, root);
  } else {
    render(<App />, root);
  }
}
