import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { Layout } from './components/layout.js';
import { CostProjectionsPage } from './pages/cost-projections.js';
import { DatasetVersionPage } from './pages/dataset-version.js';
import { DatasetsPage } from './pages/datasets.js';
import { EvaluationPage } from './pages/evaluation.js';
import { EvaluationsPage } from './pages/evaluations.js';
import { FineTunePage } from './pages/fine-tune.js';
import { FineTunesPage } from './pages/fine-tunes.js';
import { LabelRunPage } from './pages/label-run.js';
import { LabelRunsPage } from './pages/label-runs.js';
import { LeaderboardPage } from './pages/leaderboard.js';
import { NotFoundPage } from './pages/not-found.js';
import { PipelinePage } from './pages/pipeline.js';
import { PipelinesPage } from './pages/pipelines.js';
import { ReviewPage } from './pages/review.js';
import { TaskPage } from './pages/task.js';
import { TasksPage } from './pages/tasks.js';
import { SignedIn } from './session.js';

/** Every page of the console; the paths mirror the API's (`/v1/label-runs/{run}` → `/console/label-runs/:run`). */
export function App() {
  return (
    <LocationProvider>
      <SignedIn>
        <Layout>
          <ErrorBoundary>
            <Router>
              <Route path="/console/" component={TasksPage} />
              <Route path="/console/tasks/:task" component={TaskPage} />
              <Route path="/console/tasks/:task/datasets" component={DatasetsPage} />
              <Route path="/console/tasks/:task/label-runs" component={LabelRunsPage} />
              <Route path="/console/tasks/:task/fine-tunes" component={FineTunesPage} />
              <Route path="/console/tasks/:task/evaluations" component={EvaluationsPage} />
              <Route path="/console/tasks/:task/pipelines" component={PipelinesPage} />
              <Route path="/console/tasks/:task/leaderboard" component={LeaderboardPage} />
              <Route path="/console/tasks/:task/cost-projections" component={CostProjectionsPage} />
              <Route path="/console/dataset-versions/:version" component={DatasetVersionPage} />
              <Route path="/console/dataset-versions/:version/review" component={ReviewPage} />
              <Route path="/console/label-runs/:run" component={LabelRunPage} />
              <Route path="/console/fine-tunes/:fine_tune" component={FineTunePage} />
              <Route path="/console/evaluations/:evaluation" component={EvaluationPage} />
              <Route path="/console/pipelines/:pipeline" component={PipelinePage} />
              <Route default component={NotFoundPage} />
            </Router>
          </ErrorBoundary>
        </Layout>
      </SignedIn>
    </LocationProvider>
  );
}
