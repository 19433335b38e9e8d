package io.presplit.forecast.onnx.prophet;

import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.OnlineModel;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Prophet as a member of core's online ensemble: state in the caller's arrays, O(1) updates. */
class ProphetOnlineModelTest {
    private static final int SEASON = 24;

    /** The packed state forecasts what the fitted model predicts, and each update moves the forecast one tick on. */
    @Test
    void shouldForecastFittedCurveWhenStateIsPacked() {
        final int n = 15 * SEASON;
        final double[][] data = ProphetForecasterTest.seasonalLoad(1, n, new Random(7));
        final double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = data[i][0];
        }
        final ProphetOnlineModel online = new ProphetOnlineModel(n, SEASON);
        final double[] state = new double[3 + online.stateLength()];
        assertThat(online.refit(y.clone(), n, state, 3)).isTrue();

        final ProphetFitter fitter = ProphetFitter.defaults(n);
        assertThat(fitter.fit(0, 3600, y, n, new double[n])).isTrue();
        final ProphetModel model = fitter.model();
        final double[] times = new double[6];
        for (int h = 0; h < 6; h++) {
            times[h] = (n + 1 + h) * 3600.0;
        }
        final ProphetModel.Components expected = new ProphetModel.Components(6, 2);
        model.predict(times, 6, expected);

        online.update(state, 3, 123.0);
        final double[] out = new double[8];
        online.forecast(state, 3, 6, out, 2);
        for (int h = 0; h < 6; h++) {
            assertThat(out[2 + h]).isCloseTo(expected.yhat(h), within(1e-9 * Math.abs(expected.yhat(h))));
        }
    }

    /** The ensemble fits the Prophet member per partition and weighs it from its one-step errors. */
    @Test
    void shouldJoinEnsembleWhenGivenAsOnlineModel() {
        final int slots = 3;
        final int ticks = 17 * SEASON;
        final double[][] data = ProphetForecasterTest.seasonalLoad(slots, ticks, new Random(11));
        final int window = 15 * SEASON;
        final EnsembleForecaster ensemble = new EnsembleForecaster(slots, 6, SEASON,
            new OnlineModel[] {new ProphetOnlineModel(window, SEASON)}, window, SEASON, Long.MAX_VALUE / 4, 0.05,
            2.0, null);
        try (LoadHistory history = new LoadHistory(slots, ticks, 0.9)) {
            final ForecastTable table = new ForecastTable(slots, 6);
            final int[] list = ProphetForecasterTest.identity(slots);
            ProphetForecasterTest.feed(history, data, 0, window);
            for (int t = window; t < ticks; t++) {
                ensemble.forecast(history, Resource.INGEST_POINTS, list, slots, table);
                ProphetForecasterTest.feed(history, data, t, t + 1);
            }
            for (int s = 0; s < slots; s++) {
                assertThat(ensemble.isFitted(s, 1)).isTrue();
                assertThat(ensemble.error(s, 1)).as("prophet one-step error, slot %d", s)
                    .isLessThan(ensemble.error(s, 0) * 2);
            }
            assertThat(ensemble.memberName(1)).isEqualTo("prophet");
        }
    }
}
